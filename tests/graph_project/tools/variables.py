def run():
    alpha = open("gen/alpha.txt", encoding="utf-8").read()
    beta = open("gen/beta.txt", encoding="utf-8").read()
    with open("_variables.yml", "w", encoding="utf-8") as out:
        out.write(f"alpha:\n  total: '{alpha}'\nbeta:\n  total: '{beta}'\n")
