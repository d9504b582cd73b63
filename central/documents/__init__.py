"""What the hub hands out on paper and in files, and the files it takes in.

- :mod:`.pdf`: the A4 page in DejaVu Sans and the signature blocks every printed
  document ends with (the dossier receipt, the Biểu 06 report, the fees closing sheet);
- :mod:`.formats`: numbers, shares, dates as a Vietnamese reader writes them (Babel);
- :mod:`.sheets`: CSV and XLSX a Vietnamese Excel reads as numbers and never runs;
- :mod:`.uploads`: files people upload (JSON, TOML, CSV, XLSX) read without harm.

May import: nothing of the hub (the standard library, fpdf2, Babel, openpyxl);
every room may import it.
"""
