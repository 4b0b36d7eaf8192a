"""What officials and districts read, built from the marts: the officials' workbook, charts and
ranking (``officials``, ``officials_xlsx``, ``charts``) and each district's feedback workbook
(``feedback``, ``feedback_summary``, ``feedback_sheets``), in one Indonesian style (``style``)."""
