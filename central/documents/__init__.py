"""What the hub hands out on paper and in files, written one way.

- :mod:`.pdf`: the A4 page in DejaVu Sans and the signature blocks every printed
  document ends with (the dossier receipt, the Biểu 06 report, the fees closing sheet).

May import: nothing of the hub (the standard library and fpdf2 only); every room may
import it.
"""
