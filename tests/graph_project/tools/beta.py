import os
import time


def run():
    marker = os.environ.get("GRAPH_SLOW_MARKER")
    if marker:  # lets the interruption tests stop a render while this step runs
        with open(marker, "w") as note:
            note.write(str(os.getpid()))
        time.sleep(float(os.environ.get("GRAPH_SLOW_SECONDS", "30")))
    lines = open("data/b.csv", encoding="utf-8").read().splitlines()[1:]
    with open("gen/beta.txt", "w", encoding="utf-8") as out:
        out.write(str(sum(int(v) for v in lines if v)))
