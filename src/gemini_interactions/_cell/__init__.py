"""What a notebook user types, as data: a ``%%gemini`` cell's options and ``%gemini``'s line
commands, each declared once, parsed and checked, and a cell planned against the notebook's
names, all without IPython.

The design's "options model" between the magics and the chain: the magics (``magics/``) hand it
the typed line, the cell and the kernel's namespace and settings, and show what comes back; a
mistake is a ``ChainUsageError`` that the magics word as one paragraph. Being free of IPython, a
script or a test can plan a cell exactly as the magic would.
"""
