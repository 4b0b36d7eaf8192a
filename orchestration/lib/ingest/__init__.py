"""Ingestion as plain Python, one module per job:

- ``landing``   what a landing folder holds: regular files, what is skipped and why, stray folders
- ``changes``   THE change detector: ``scan`` (each file hashed once) and ``diff`` against the registry
- ``archive``   the content-addressed copy of every file received
- ``parallel``  reading files in worker processes
- ``registry``  the file registry's state machine and the raw load of one folder
- ``schema``    DDL of the ``ingestion`` and ``raw`` schemas
- ``load``      one run's ingestion of every folder, from one scan
"""
