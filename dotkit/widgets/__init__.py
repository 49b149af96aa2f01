"""Interactive explorers, one module per thing they show.

Each explorer only draws and wires its sliders; what it shows is computed by a
dotkit function that works (and is tested) without ipywidgets.

============================  ========  ==================================================
module                        chapter   shows (computed by)
============================  ========  ==================================================
:mod:`~.vectors`              1         two vectors, their angle, dot product, projection
                                        (:func:`dotkit.dot`, :func:`dotkit.project`)
:mod:`~.neuron`               2         one neuron's decision line and a descent step
                                        (:mod:`dotkit.nn.neuron`)
:mod:`~.filters`              3         a 3×3 kernel filtering a photo; im2col drawn
                                        (:mod:`dotkit.nn.image_filters`)
:mod:`~.attention_heads`      4         what each head of MiniLM attends to
                                        (:meth:`dotkit.models.minilm.MiniLM.attentions`)
:mod:`~.latent_space`         5         films and a user in the space of latent factors
                                        (:meth:`dotkit.models.MatrixFactorization.recommend`)
:mod:`~.value_function`       6         ``v̂(s) = w·φ(s)`` on the random walk, episode by episode
                                        (:func:`dotkit.rl.experiments.mc_weight_history`)
:mod:`~.roofline`             A         a machine's roofline and three operations placed on it
                                        (:func:`dotkit.widgets.roofline.placements`)
============================  ========  ==================================================

Import the one a chapter needs, e.g. ``from dotkit.widgets.vectors import
vector_explorer``; this package itself imports nothing, so ipywidgets and
matplotlib load only when a chapter asks for them.
"""
