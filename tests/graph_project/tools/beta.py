import os
import time


def run():
    marker = os.environ.get("GRAPH_SLOW_MARKER")
    if marker:  # lets the interruption test kill a render while this step runs
        open(marker, "w").close()
        time.sleep(30)
    lines = open("data/b.csv", encoding="utf-8").read().splitlines()[1:]
    with open("gen/beta.txt", "w", encoding="utf-8") as out:
        out.write(str(sum(int(v) for v in lines if v)))
