"""``python -m analysis`` runs every step; ``--list`` prints the steps with inputs and outputs as JSON;
``--step NAME`` runs one step (its ``after`` steps must have run before); ``--worker`` serves reportkit's build
graph (see ``reportkit.stepkit``). When reportkit has already brought the steps up to date and then calls
Quarto, Quarto's pre-render runs this module again with ``reportkit.protocol.STEPS_DONE_ENV`` set: it then
does nothing.
"""

from reportkit.stepkit import main

from .pipeline import load_steps

if __name__ == "__main__":
    raise SystemExit(main("analysis", load=load_steps))
