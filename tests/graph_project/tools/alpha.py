from .shared import total


def run():
    with open("gen/alpha.txt", "w", encoding="utf-8") as out:
        out.write(str(total("data/a.csv")))
