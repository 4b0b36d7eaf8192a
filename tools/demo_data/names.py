"""Names of heads of household and enumerators, drawn by region (Timor, Sumba, Flores, Alor…)."""
from __future__ import annotations

import random

from tools.demo_data.common import REGION

MALE = ("Yohanes", "Oktovianus", "Yakobus", "Petrus", "Paulus", "Markus", "Lukas", "Yosef", "Fransiskus",
        "Agustinus", "Dominikus", "Yulius", "Aloysius", "Stefanus", "Kornelis", "Daniel", "Yeremias", "Simon",
        "Matheus", "Benediktus", "Ambrosius", "Hendrikus", "Gabriel", "Mikael", "Marthen", "Ferdinandus",
        "Hironimus", "Kristoforus", "Laurensius", "Blasius", "Servasius", "Arnoldus", "Wilhelmus", "Adrianus",
        "Rafael", "Yosua", "Elias", "Imanuel", "Habel", "Nikolaus", "Yermias", "Marselinus", "Sebastianus",
        "Vinsensius", "Hubertus", "Bonifasius", "Theodorus", "Zakarias", "Obed", "Semuel", "Frederik", "Alfons",
        "Yoakim", "Kasimirus", "Emanuel", "Rofinus", "Anselmus", "Sirilus", "Gregorius", "Klemens")
FEMALE = ("Maria", "Maria Goreti", "Yohana", "Agustina", "Florentina", "Yuliana", "Regina", "Serlina",
          "Martha", "Yasinta", "Veronika", "Elisabeth", "Theresia", "Anastasia", "Magdalena", "Fransiska",
          "Katarina", "Margaretha", "Dorotea", "Kristina", "Sofia", "Ester", "Rut", "Debora", "Selfina",
          "Adriana", "Oktavia", "Yustina", "Bernadeta", "Helena", "Imaculata", "Skolastika", "Rosalia",
          "Elfrida", "Naomi", "Maria Yasinta", "Wihelmina", "Emiliana", "Paulina", "Lusia", "Femi", "Orpa",
          "Dortia", "Sarlota", "Yublina", "Adelina", "Kristiana", "Maria Fatima")
MUSLIM_MALE = ("Muhammad", "Ahmad", "Abdul Rahman", "Hasan", "Ismail", "Yusuf", "Ibrahim", "Syamsudin",
               "Arsyad", "Abdullah", "Idrus", "Usman", "Muhammad Ali")
MUSLIM_FEMALE = ("Siti Aminah", "Nurhayati", "Fatimah", "Hadijah", "Rabiah", "Salma", "Siti Maryam", "Halimah")
PORTU_MALE = ("José", "João", "António", "Estêvão", "Mário", "Sebastião", "Tomás")
PORTU_FEMALE = ("Conceição", "Joana", "Inês", "Glória", "Lúcia", "Filomena")
PORTU_SURNAME = ("da Costa", "Soares", "Pereira", "Gusmão", "de Araújo", "Fernandes", "da Cruz", "Guterres",
                 "dos Santos", "Ximenes", "Belo", "Amaral")
SURNAMES = {
    "timor": ("Nope", "Tefa", "Tse", "Benu", "Sau", "Nenoliu", "Tanesib", "Boimau", "Nitbani", "Oematan",
              "Amsikan", "Tualaka", "Banunaek", "Oenunu", "Tamelab", "Nabuasa", "Liu", "Selan", "Kolo", "Bani",
              "Taneo", "Nubatonis", "Ta'eki", "Na'u", "Tosi", "Missa", "Lakapu", "Sole", "Nenobais", "Ke'u",
              "Manbait", "Faot", "Isu", "Neonbeni", "Koa", "Oetpah", "Kase", "Abi", "Naitboho", "Tafuli"),
    "belu": ("Lake", "Bria", "Seran", "Klau", "Mau", "Bere", "Asa", "Tahu", "Nahak", "Luan", "Atok", "Kehi",
             "Fahik", "Berek", "Loe", "Leki", "Taek", "Moruk", "Manek", "Bau", "Halek", "Hale"),
    "rote": ("Fanggidae", "Ndun", "Ndolu", "Messakh", "Pah", "Manu", "Haning", "Lenggu", "Mooy", "Zacharias",
             "Adoe", "Tungga", "Ndoen", "Ndaomanu", "Manafe", "Pello", "Dethan", "Tallo", "Henuk", "Lusi"),
    "sabu": ("Bire", "Lado", "Djo", "Haba", "Riwu", "Kore", "Tede", "Ratu", "Hege", "Wadu", "Lay", "Djami",
             "Ga", "Huma", "Rohi", "Dimu"),
    "sumba": ("Lende", "Kaka", "Ndapa", "Hina", "Djawa", "Bili", "Kalumbang", "Ngongo", "Malo", "Lero",
              "Tanya", "Dapa Loka", "Ndima", "Wona", "Ate", "Lede", "Bora", "Pati", "Kaborang", "Tana Ama",
              "Horu", "Rato", "Mbaku", "Lewa"),
    "alor": ("Maro", "Mautuka", "Laang", "Mokay", "Lamma", "Lakamau", "Dopong", "Tubulau", "Kafolamau",
             "Mokoni", "Alelang", "Ma'u", "Kapitan", "Blegur", "Atamau", "Malaikosa"),
    "lembata": ("Beyeng", "Ratu", "Wujon", "Atawolo", "Lagamaking", "Langoday", "Tapoona", "Making", "Hadung",
                "Manuk", "Wutun", "Ebang"),
    "flotim": ("Kelen", "Hurint", "Koten", "Tukan", "Maran", "Ruron", "Lamanepa", "Making", "Ritan", "Kolin",
               "Liwun", "Fernandez", "Diaz", "Monteiro", "Lamury", "Sogen"),
    "sikka": ("da Silva", "Parera", "da Costa", "Fernandez", "Carvalho", "Moa", "Nong", "Laka", "Dua",
              "Mitan", "Goban", "Lewar", "Gleko", "Pega", "Djong", "Nurak", "Mandalangi"),
    "ende": ("Wangge", "Mbete", "Bata", "Gadi", "Ndoa", "Pela", "Rangga", "Gawi", "Nuwa", "Lengo", "Seda",
             "Wondo", "Mere", "Sare"),
    "ngada": ("Wea", "Bhara", "Dhiu", "Sebho", "Lewa", "Meo", "Dhae", "Ngole", "Wolo", "Nono", "Laja", "Dopo",
              "Bai", "Goa", "Rebo"),
    "manggarai": ("Jemarut", "Dangur", "Jebadu", "Hamsi", "Nggoro", "Jehatu", "Nambut", "Dalu", "Ndahur",
                  "Jelahu", "Hambur", "Jaman", "Pandong", "Agot", "Antur", "Bagung", "Halu", "Rambung"),
}
MUSLIM_P = {"alor": 0.25, "ende": 0.2, "flotim": 0.12, "kota": 0.1, "manggarai": 0.06}
PORTU_P = {"belu": 0.08, "sikka": 0.06, "flotim": 0.05, "kota": 0.02}
TITLES = ("", "", "", "", "S.Sos", "S.T", "S.Pd", "A.Md", "S.E")


def person_name(rng: random.Random, region: str, female: bool) -> str:
    if region == "kota":
        region = rng.choice(["timor", "timor", "rote", "sabu", "belu", "flotim", "sikka", "alor", "ende"])
        mix = "kota"
    else:
        mix = region
        if rng.random() < 0.12:
            region = rng.choice(list(SURNAMES))
    r = rng.random()
    pm, pp = MUSLIM_P.get(mix, 0.02), PORTU_P.get(mix, 0.008)
    if r < pm:
        first = rng.choice(MUSLIM_FEMALE if female else MUSLIM_MALE)
        last = rng.choice(SURNAMES[region])
    elif r < pm + pp:
        first = rng.choice(PORTU_FEMALE if female else PORTU_MALE)
        last = rng.choice(PORTU_SURNAME)
    else:
        first = rng.choice(FEMALE if female else MALE)
        if region == "sumba" and rng.random() < 0.2:
            first = ("Rambu " if female else "Umbu ") + rng.choice(SURNAMES["sumba"]).split()[0]
        elif rng.random() < 0.15:
            first = first + " " + rng.choice(FEMALE if female else MALE).split()[0]
        last = rng.choice(SURNAMES[region])
    return f"{first} {last}"


def petugas_pool(seed: int, k: str) -> list[str]:
    rng = random.Random(f"p3jr:{seed}:petugas:{k}")
    pool = []
    for _ in range(rng.randint(4, 12)):
        nm = person_name(rng, REGION[k], rng.random() < 0.4)
        t = rng.choice(TITLES)
        pool.append(f"{nm}, {t}" if t else nm)
    return pool
