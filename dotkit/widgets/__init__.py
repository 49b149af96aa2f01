"""Interactive explorers for the chapters, one module per chapter.

Import the one a chapter needs, e.g. ``from dotkit.widgets.ch1 import
vector_explorer``; this package itself imports nothing, so ipywidgets and
matplotlib load only when a chapter asks for them.
"""
