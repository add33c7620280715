"""Table Schemas and provenance of every resource in data/datapackage.json.

make_tidy.py adds path-derived `bytes` and `hash` (sha256) to each resource and to each of its
`originals`, then writes data/datapackage.json. Edit schemas and provenance here, not in the JSON.
"""

from __future__ import annotations

RETRIEVED_REPO = ("2026-11-26: copied from ../shared/data-sources/{src} (verbatim repository files; the content is "
                  "pinned by the commit named in `sources`)")
RETRIEVED_PAGES = ("2026-11: values transcribed from stored public copies of web pages read in November 2026 "
                   "(../shared/data-sources/{src}); each row carries its page URL")

CC_BY_4 = {"name": "CC-BY-4.0", "path": "https://creativecommons.org/licenses/by/4.0/",
           "title": "Creative Commons Attribution 4.0"}
CC_BY_3_IGO = {"name": "CC-BY-3.0-IGO", "path": "https://creativecommons.org/licenses/by/3.0/igo/",
               "title": "Creative Commons Attribution 3.0 IGO"}
FACTS = {"name": "other-at", "title": "Facts (numbers) only, recorded with attribution to each page; page texts "
                                      "keep their own terms (Wikipedia and its mirrors: CC BY-SA)"}

# The two transcriptions both kandas resources are built from.
KANDAS_SOURCES = [
    {"title": "Kandas arrivals transcribed from public pages (census-ethnic/kandas_arrivals.csv)",
     "path": "original/census-ethnic/SOURCE.md"},
    {"title": "Kandas repatriation (page-extracts/kandas_repatriation.csv)",
     "path": "original/page-extracts/SOURCE.md"},
]

STATUS = ["use", "corroborates", "conflict", "rejected", "unclear", "other-definition", "no-value"]
STATUS_DOC = ("use = the value to use for this key; corroborates = same value within rounding as another row "
              "(named in status_reason); conflict = disagrees with another row and no better source decides, show "
              "both; rejected = shown wrong by better sources, kept for traceability only; unclear = year or "
              "definition not established; other-definition = a different population concept or wider group; "
              "no-value = the source names the item but prints no number (left missing)")
QUALIFIERS = ["as printed", "approximately", "more than", "less than", "range", "rounded (thousands)",
              "rounded (hundreds)"]


def country_fk(field: str) -> dict:
    return {"fields": [field], "reference": {"resource": "countries", "fields": ["iso3"]}}


def f(name, type_, description, required=False, **constraints) -> dict:
    d = {"name": name, "type": type_, "description": description}
    c = dict(constraints)
    if required:
        c["required"] = True
    if c:
        d["constraints"] = c
    return d


def iso3(name, description, required=True) -> dict:
    return f(name, "string", description, required=required, pattern="^[A-Z]{3}$")


def year(name="year", required=True, description="calendar year") -> dict:
    return f(name, "integer", description, required=required, minimum=1900, maximum=2100)


def status_fields() -> list[dict]:
    return [f("status", "string", STATUS_DOC, required=True, enum=STATUS),
            f("status_reason", "string", "why this status (conflict resolution, arithmetic checks, caveats)")]


def trace_fields() -> list[dict]:
    return [f("source_file", "string", "original file under data/original/ this value was read from", required=True),
            f("source_line", "integer", "line of that file (header = line 1)", required=True, minimum=2)]


def schema(fields, primary_key, foreign_keys=()) -> dict:
    return {"fields": fields, "missingValues": [""], "primaryKey": primary_key, "foreignKeys": list(foreign_keys)}


def repo_sources(title, url, publisher, commit_note) -> list[dict]:
    return [{"title": title, "path": url, "publisher": publisher, "version": commit_note}]


RESOURCES = [
    {
        "name": "countries",
        "path": "countries.csv",
        "title": "Allowed country codes",
        "description": "Every country code used in this package (ISO 3166-1 alpha-3 as used by the World Bank, plus "
                       "UN DESA's residual 'XXX'). Every *_iso3 column has a foreign key to this table, so an "
                       "unknown code fails validation.",
        "publisher": "World Bank (names); UN DESA (residual code XXX)",
        "vintage": "World Bank population.csv as of datasets/population commit 425fc447 (2026-03-06)",
        "table_or_page": "Country Name / Country Code columns of population.csv",
        "retrieved": RETRIEVED_REPO.format(src="wb-population"),
        "licenses": [CC_BY_4],
        "sources": repo_sources("World Development Indicators: Population, total (SP.POP.TOTL)",
                                "https://github.com/datasets/population", "World Bank",
                                "commit 425fc447a53a26c767a15a7de60c4cc2478a0595"),
        "caveats": "Lists only the codes the package uses; add a code here before using it elsewhere.",
        "originals": [{"path": "original/wb-population/population.csv"}],
        "schema": schema([
            iso3("iso3", "country code", required=True),
            f("name", "string", "name as printed by the World Bank", required=True),
            f("kind", "string", "country or residual category", required=True, enum=["country", "residual category"]),
            f("central_asia", "boolean", "one of KAZ, UZB, KGZ, TJK, TKM", required=True),
            f("name_source", "string", "where the name is taken from", required=True),
        ], ["iso3"]),
    },
    {
        "name": "population_wb",
        "path": "population_wb.csv",
        "title": "Total population, Central Asia (World Bank SP.POP.TOTL, 2025/26 vintage)",
        "description": "Mid-year total population, persons, 1960-2024, for KAZ, UZB, KGZ, TJK, TKM.",
        "publisher": "World Bank, World Development Indicators (sources: UN WPP 2024, national statistical offices)",
        "vintage": "WDI as mirrored by datasets/population, commit 425fc447 of 2026-03-06 (revised to UN WPP 2024)",
        "table_or_page": "indicator SP.POP.TOTL; file data/population.csv of github.com/datasets/population",
        "retrieved": RETRIEVED_REPO.format(src="wb-population"),
        "licenses": [CC_BY_4],
        "sources": repo_sources("World Development Indicators: Population, total (SP.POP.TOTL)",
                                "http://data.worldbank.org/indicator/SP.POP.TOTL", "World Bank",
                                "github.com/datasets/population commit 425fc447a53a26c767a15a7de60c4cc2478a0595"),
        "caveats": "An older WDI vintage (2024-03-28, in wdi_gdiviz_2024_03.csv) differs a lot, e.g. KAZ 2022 "
                   "19,621,972 there vs 20,034,609 here. Always state which vintage a figure uses.",
        "originals": [{"path": "original/wb-population/population.csv"}],
        "schema": schema([
            iso3("country_iso3", "country"), year(),
            f("population", "integer", "persons", required=True, minimum=0),
        ], ["country_iso3", "year"], [country_fk("country_iso3")]),
    },
    {
        "name": "ethnic_composition",
        "path": "ethnic_composition.csv",
        "title": "Ethnic groups in Uzbekistan, Kyrgyzstan, Tajikistan, Turkmenistan (and Kazakhs in Kazakhstan), "
                 "by census or official year",
        "description": "One row per printed value (a count of persons or a share of the population) of one group in "
                       "one country and year, from censuses, official estimates and statements as quoted on public "
                       "pages. Conflicting values are all kept; `status` says which to use.",
        "publisher": "National statistical offices (USSR 1926-1989 censuses; State Statistics Committee of "
                     "Uzbekistan; National Statistical Committee of Kyrgyzstan; Agency on Statistics of Tajikistan; "
                     "State Committee on Statistics of Turkmenistan) as quoted by the page in each row",
        "vintage": "census or reference year in column `year`; pages read November 2026",
        "table_or_page": "per row: `page_url` and `stated_source`",
        "retrieved": RETRIEVED_PAGES.format(src="census-ethnic and page-extracts"),
        "licenses": [FACTS],
        "sources": [
            {"title": "Ethnic composition transcribed from public web pages (census-ethnic/ethnic_composition.csv)",
             "path": "original/census-ethnic/SOURCE.md"},
            {"title": "Ethnic Kazakhs by country transcribed from public web pages "
                      "(page-extracts/ethnic_kazakhs_by_country.csv)",
             "path": "original/page-extracts/SOURCE.md"},
            {"title": "Kazakhs in Kyrgyzstan, 2009 census, read by this project from stored public pages "
                      "(stored-pages/ethnic_composition_additions.csv)",
             "path": "original/stored-pages/SOURCE.md"},
        ],
        "caveats": "Values are cited from published text, not downloaded official tables. Kazakh counts for "
                   "Kyrgyzstan are approximate (about 43,000 in 1999; 33,200, rounded to hundreds, in 2009) and "
                   "missing for 1989 and 2022 (only shares); Uzbekistan "
                   "1989 lacks Uzbeks, Tatars, Koreans, Turkmen; Tajikistan 2020 gives shares only, without "
                   "Kazakhs; Turkmenistan 2022 has no ethnic breakdown. The 1995 Turkmenistan counts equal rounded "
                   "share x total and look reconstructed. See status_reason per row and data/README.md.",
        "originals": [{"path": "original/census-ethnic/ethnic_composition.csv"},
                      {"path": "original/page-extracts/ethnic_kazakhs_by_country.csv"},
                      {"path": "original/stored-pages/ethnic_composition_additions.csv"}],
        "schema": schema([
            iso3("country_iso3", "country where the group lives"),
            year(required=False, description="census or reference year; empty where the page gives none"),
            f("source_kind", "string", "census, official estimate, official statement, estimate, ... as recorded",
              required=True),
            f("group", "string", "ethnic group ('Total' = whole population, 'Other' = remaining groups)",
              required=True),
            f("measure", "string", "which value this row carries", required=True, enum=["persons", "share_pct"]),
            f("persons", "integer", "count of persons as printed (point value)", minimum=0),
            f("persons_low", "integer", "lower bound where the page gives a range or 'more than'", minimum=0),
            f("persons_high", "integer", "upper bound where the page gives a range or 'less than'", minimum=0),
            f("share_pct", "number", "percentage of the country's population", minimum=0, maximum=100),
            f("qualifier", "string", "how the number is printed", enum=QUALIFIERS),
            *status_fields(),
            f("stated_source", "string", "the source the page names", required=True),
            f("page_url", "string", "address of the page the value was read from", required=True,
              pattern="https?://.+"),
            f("note", "string", "transcriber's note"),
            *trace_fields(),
        ], ["source_file", "source_line", "measure"], [country_fk("country_iso3")]),
    },
    {
        "name": "diaspora_size_estimates",
        "path": "diaspora_size_estimates.csv",
        "title": "Estimates of the number of ethnic Kazakhs abroad (Otandastar Fund and others)",
        "description": "Published estimates of Kazakhs abroad, in total and by host country. Ranges and bounds are "
                       "split into low/high columns; no midpoint is computed.",
        "publisher": "Otandastar Fund (via Mugalzhar newspaper / Stan.kz and Qazinform); Eurasia Center of "
                     "L.N. Gumilyov ENU; E. Tukumov (KazISS); lecture notes (low quality)",
        "vintage": "mostly undated (see reference_period); Tukumov 2000; ENU c. 2012",
        "table_or_page": "per row: `page_url`",
        "retrieved": RETRIEVED_PAGES.format(src="page-extracts and census-ethnic"),
        "licenses": [FACTS],
        "sources": [
            {"title": "Diaspora size estimates transcribed from public pages (page-extracts/diaspora_size_estimates.csv)",
             "path": "original/page-extracts/SOURCE.md"},
            {"title": "Tukumov E. (2000) 'Kazakhs of Uzbekistan', Central Asia and the Caucasus no. 6",
             "path": "http://ca-c.org/journal/2000/journal_rus/cac6-2000/24.tukum.shtml"},
        ],
        "caveats": "Estimates are rough and inconsistent (world: 'about 7-8 million' vs 'more than 5 million'; "
                   "Uzbekistan: ~3 million vs 1.5 million vs 821,200 in the 2021 official count). Most carry no "
                   "date. The emirsaba.org lecture-notes figures are marked unclear.",
        "originals": [{"path": "original/page-extracts/diaspora_size_estimates.csv"},
                      {"path": "original/census-ethnic/tukumov2000_kazakhs_of_uzbekistan.csv"}],
        "schema": schema([
            f("estimator", "string", "who made the estimate", required=True),
            f("reference_period", "string", "date or period as given; empty where undated"),
            f("area", "string", "host country code or 'World (abroad total)' / 'World (total)'", required=True),
            iso3("area_iso3", "host country (empty for world totals)", required=False),
            f("kazakhs", "integer", "point estimate, persons", minimum=0),
            f("kazakhs_low", "integer", "lower bound, persons", minimum=0),
            f("kazakhs_high", "integer", "upper bound, persons", minimum=0),
            f("qualifier", "string", "how the number is printed", required=True, enum=QUALIFIERS),
            f("transcribed_from", "string", "column of the original holding the number", required=True,
              enum=["value column", "note column"]),
            *status_fields(),
            f("page_url", "string", "page the value was read from", required=True, pattern="https?://.+"),
            f("note", "string", "transcriber's note"),
            *trace_fields(),
            f("item", "string", "which value of the source line", required=True),
        ], ["source_file", "source_line", "item"], [country_fk("area_iso3")]),
    },
    {
        "name": "net_migration_wpp2024",
        "path": "net_migration_wpp2024.csv",
        "title": "Net migration, Central Asia, 1950-2023 (UN World Population Prospects 2024)",
        "description": "Annual net number of migrants (thousands, as published) and crude net migration rate.",
        "publisher": "United Nations, DESA, Population Division",
        "vintage": "World Population Prospects 2024 (R package wpp2024 1.1-3, 2024-11-26)",
        "table_or_page": "datasets mig1dt (mig) and misc1dt (cnmr) of the wpp2024 R package",
        "retrieved": RETRIEVED_REPO.format(src="un-wpp2024-migration"),
        "licenses": [CC_BY_3_IGO],
        "sources": repo_sources("World Population Prospects 2024 (R package wpp2024)",
                                "https://github.com/PPgp/wpp2024", "United Nations Population Division",
                                "files from commit b27df7a9ec293be9e1a212defef88fef0f3c0ee2"),
        "caveats": "Estimates to 2023 only. The World Bank's older WPP2022-based SM.POP.NETM (wdi_gdiviz_2024_03.csv) "
                   "differs strongly, e.g. KGZ 2019 -34,270 there vs +47,303 here.",
        "originals": [{"path": "original/un-wpp2024-migration/original/mig1dt.rda"},
                      {"path": "original/un-wpp2024-migration/original/misc1dt.rda"},
                      {"path": "original/un-wpp2024-migration/original/countries.rda",
                       "role": "WPP country names and codes; not read by make_tidy.py, read by "
                               "tests/test_data_spotchecks.py to check the M49 codes"}],
        "schema": schema([
            iso3("country_iso3", "country"),
            f("un_m49", "integer", "UN M49 code used by WPP", required=True, enum=[398, 860, 417, 762, 795]),
            year(),
            f("net_migrants_thousands", "number", "net migrants, thousands (negative = net emigration)",
              required=True),
            f("net_migration_rate_per_1000", "number", "crude net migration rate per 1000 population",
              required=True),
        ], ["country_iso3", "year"], [country_fk("country_iso3")]),
    },
    {
        "name": "remittances_wdi",
        "path": "remittances_wdi_2023_05.csv",
        "title": "Personal remittances received and paid, Central Asia (World Bank WDI, updated 2023-05-10)",
        "description": "Non-missing values of three WDI indicators for KAZ, UZB, KGZ, TJK, TKM.",
        "publisher": "World Bank, World Development Indicators",
        "vintage": "WDI 'Last Updated Date: 2023-05-10' (printed in the spreadsheets)",
        "table_or_page": "sheet 'Data' of personal-remittances-received.xls (BX.TRF.PWKR.CD.DT), "
                         "personal-remittances-paid.xls (BM.TRF.PWKR.CD.DT), remittances-received-percent-gdp.xls "
                         "(BX.TRF.PWKR.DT.GD.ZS)",
        "retrieved": RETRIEVED_REPO.format(src="wb-remittances"),
        "licenses": [CC_BY_4],
        "sources": repo_sources("World Development Indicators: personal remittances",
                                "https://github.com/kietnguyen01/Remittance-Fees-Analysis", "World Bank",
                                "commit 49c9aa819ad08d8be0bd451ee8e3ef7aafe65ef1"),
        "caveats": "2022 values in this vintage are rounded KNOMAD estimates; the 2024-03-28 vintage "
                   "(wdi_gdiviz_2024_03.csv) gives much higher 2022 values (e.g. TJK 5,345.5 m vs 3,200 m). "
                   "Turkmenistan is sparse.",
        "originals": [{"path": "original/wb-remittances/original/personal-remittances-received.xls"},
                      {"path": "original/wb-remittances/original/personal-remittances-paid.xls"},
                      {"path": "original/wb-remittances/original/remittances-received-percent-gdp.xls"},
                      {"path": "original/wb-remittances/original/knomad-remittance-inflows.xlsx",
                       "role": "not read: KNOMAD remittance inflows by country name (US$ million, 2000-2022, zeros "
                               "for missing); the WDI 2023-05 vintage already carries KNOMAD's 2022 estimates"}],
        "schema": schema([
            iso3("country_iso3", "country"),
            f("indicator_code", "string", "WDI indicator", required=True,
              enum=["BX.TRF.PWKR.CD.DT", "BM.TRF.PWKR.CD.DT", "BX.TRF.PWKR.DT.GD.ZS"]),
            year(),
            f("value", "number", "value in `unit`", required=True, minimum=0),
            f("unit", "string", "unit of value", required=True, enum=["current US$", "% of GDP"]),
        ], ["country_iso3", "indicator_code", "year"], [country_fk("country_iso3")]),
    },
    {
        "name": "wdi_gdiviz_2024_03",
        "path": "wdi_gdiviz_2024_03.csv",
        "title": "World Bank WDI extract, vintage 2024-03-28: population, net migration, remittances",
        "description": "Older WDI vintage, kept to show the revision: SP.POP.TOTL, SM.POP.NETM (WPP2022-based), "
                       "BX.TRF.PWKR.CD.DT, BM.TRF.PWKR.CD.DT for the five countries.",
        "publisher": "World Bank, World Development Indicators (as extracted by IOM GDI's gdiviz package)",
        "vintage": "WDI last_updated 2024-03-28 (gdiviz catalogue)",
        "table_or_page": "data/indicators.rda of github.com/ksreyes/gdiviz, vars pop, nmig, remin, remout",
        "retrieved": RETRIEVED_REPO.format(src="wb-wdi-via-gdiviz"),
        "licenses": [CC_BY_4],
        "sources": repo_sources("gdiviz indicators extract of World Development Indicators",
                                "https://github.com/ksreyes/gdiviz", "World Bank (extract by IOM Global Data Institute)",
                                "commit a3cbe1c0293c5c385d94cfaf4ad85e91b1cc8013"),
        "caveats": "Superseded vintage: use for comparison only. Net migration is negative for emigration, so "
                   "`value` has no minimum.",
        "originals": [{"path": "original/wb-wdi-via-gdiviz/original/indicators.rda"},
                      {"path": "original/wb-wdi-via-gdiviz/original/gdidata.rda",
                       "role": "gdiviz variable catalogue: source and last_updated date (2024-03-28) of each "
                               "variable; the vintage stated above is read from it"}],
        "schema": schema([
            iso3("country_iso3", "country"),
            f("gdiviz_var", "string", "variable name in gdiviz", required=True,
              enum=["pop", "nmig", "remin", "remout"]),
            f("indicator_code", "string", "WDI indicator", required=True,
              enum=["SP.POP.TOTL", "SM.POP.NETM", "BX.TRF.PWKR.CD.DT", "BM.TRF.PWKR.CD.DT"]),
            year(),
            f("value", "number", "value in `unit`", required=True),
            f("unit", "string", "unit", required=True, enum=["persons", "current US$"]),
        ], ["country_iso3", "gdiviz_var", "year"], [country_fk("country_iso3")]),
    },
    {
        "name": "migrant_stock_undesa2020",
        "path": "migrant_stock_undesa2020.csv",
        "title": "Bilateral international migrant stock by sex, 1990-2020, where origin or destination is in "
                 "Central Asia (UN DESA International Migrant Stock 2020)",
        "description": "Persons born in (or citizens of) `origin_iso3` living in `destination_iso3`, by sex.",
        "publisher": "United Nations, DESA, Population Division",
        "vintage": "International Migrant Stock 2020",
        "table_or_page": "data/stocks.rda of github.com/ksreyes/gdiviz (commit a3cbe1c0, 2024-05-17)",
        "retrieved": RETRIEVED_REPO.format(src="undesa-migrant-stock-2020"),
        "licenses": [CC_BY_3_IGO],
        "sources": repo_sources("International Migrant Stock 2020",
                                "https://www.un.org/development/desa/pd/content/international-migrant-stock",
                                "United Nations DESA Population Division",
                                "via github.com/ksreyes/gdiviz commit a3cbe1c0293c5c385d94cfaf4ad85e91b1cc8013"),
        "caveats": "Counts foreign-BORN persons (or foreign citizens where birthplace is not collected), NOT ethnic "
                   "Kazakhs. Origin XXX = other/unspecified. Both-sexes totals are not stored (sum male + female).",
        "originals": [{"path": "original/undesa-migrant-stock-2020/original/stocks.rda"}],
        "schema": schema([
            iso3("destination_iso3", "country of residence"),
            iso3("origin_iso3", "country of birth/citizenship (XXX = other)"),
            f("year", "integer", "reference year (1 July)", required=True, enum=[1990, 1995, 2000, 2005, 2010, 2015,
                                                                                 2020]),
            f("sex", "string", "sex", required=True, enum=["male", "female"]),
            f("persons", "integer", "migrant stock, persons", required=True, minimum=0),
        ], ["destination_iso3", "origin_iso3", "year", "sex"],
            [country_fk("destination_iso3"), country_fk("origin_iso3")]),
    },
    {
        "name": "migration_by_partner",
        "path": "migration_by_partner.csv",
        "title": "Permanent-residence migration of Kazakhstan (and Uzbekistan) by partner country",
        "description": "Arrivals (immigrants), departures (emigrants) and net migration by partner country or "
                       "group, as published by the Bureau of National Statistics of Kazakhstan (and predecessors) and "
                       "the State Statistics Committee of Uzbekistan, quoted by news pages. Periods are whole years or "
                       "year-to-date as printed.",
        "publisher": "Bureau of National Statistics of Kazakhstan (Committee/Agency on Statistics); Ranking.kz "
                     "analyses of its data; State Statistics Committee of Uzbekistan",
        "vintage": "per row: `period` (2012-2025)",
        "table_or_page": "per row: `page_url` and `stated_source`",
        "retrieved": RETRIEVED_PAGES.format(src="census-ethnic and page-extracts"),
        "licenses": [FACTS],
        "sources": [
            {"title": "Migration by partner country transcribed from public pages "
                      "(census-ethnic/migration_by_partner.csv)", "path": "original/census-ethnic/SOURCE.md"},
            {"title": "Kazakhstan external migration (page-extracts/kz_external_migration_bns.csv)",
             "path": "original/page-extracts/SOURCE.md"},
        ],
        "caveats": "No continuous matrix by partner and year exists here: only the points the pages quote. "
                   "Three 2023 values (RUS 11,711; UZB 6,519; TKM 1,166) were recorded by the transcriber in the "
                   "note column (transcribed_from = note column). 2018 totals are rounded to thousands. Shares: see "
                   "share_of.",
        "originals": [{"path": "original/census-ethnic/migration_by_partner.csv"},
                      {"path": "original/page-extracts/kz_external_migration_bns.csv"}],
        "schema": schema([
            iso3("reporter_iso3", "country whose statistics office reports the flow"),
            f("period", "string", "period as printed: YYYY, YYYY-MM..YYYY-MM, YYYY-Qn, YYYY-Hn", required=True,
              pattern=r"^\d{4}(-\d{2}\.\.\d{4}-\d{2}|-Q[1-4]|-H[12])?$"),
            f("period_start", "yearmonth", "first month of the period", required=True),
            f("period_end", "yearmonth", "last month of the period", required=True),
            f("flow", "string", "direction as seen by the reporter", required=True,
              enum=["immigrants", "emigrants", "net"]),
            f("migrant_group", "string", "all migrants or ethnic Kazakhs only", required=True,
              enum=["all migrants", "ethnic Kazakhs"]),
            f("partner", "string", "partner country code or group (ALL, CIS, non-CIS, other)", required=True),
            iso3("partner_iso3", "partner country (empty for groups)", required=False),
            f("measure", "string", "which value column this row fills", required=True,
              enum=["persons", "net_persons", "share_pct"]),
            f("persons", "integer", "persons (point value)", minimum=0),
            f("persons_low", "integer", "lower bound ('more than')", minimum=0),
            f("net_persons", "integer", "net migration, persons (negative = net outflow)"),
            f("share_pct", "number", "percentage of the denominator in share_of", minimum=0, maximum=100),
            f("share_of", "string", "denominator of share_pct"),
            f("qualifier", "string", "how the number is printed", required=True, enum=QUALIFIERS),
            f("transcribed_from", "string", "column of the original holding the number", required=True,
              enum=["value column", "note column"]),
            *status_fields(),
            f("stated_source", "string", "the source the page names", required=True),
            f("page_url", "string", "page the value was read from", required=True, pattern="https?://.+"),
            f("note", "string", "transcriber's note"),
            *trace_fields(),
        ], ["source_file", "source_line", "flow", "partner", "measure"],
            [country_fk("reporter_iso3"), country_fk("partner_iso3")]),
    },
    {
        "name": "kandas_arrivals",
        "path": "kandas_arrivals.csv",
        "title": "Ethnic Kazakh repatriates (kandas, formerly oralman) given status in Kazakhstan, by report",
        "description": "One row per published figure: period, scope (cumulative since 1991, year, year to date, ...), "
                       "persons, families and the cumulative total. Origin shares are in kandas_origin_shares.",
        "publisher": "Ministry of Labour and Social Protection of Kazakhstan and predecessors (Agency for Migration "
                     "and Demography; Ministry of Healthcare and Social Development), as quoted by the media",
        "vintage": "per row: period_start/period_end (1991-2025)",
        "table_or_page": "per row: `page_url` and `stated_source`",
        "retrieved": RETRIEVED_PAGES.format(src="census-ethnic and page-extracts"),
        "licenses": [FACTS],
        "sources": KANDAS_SOURCES,
        "caveats": "No continuous year-by-year series (1991-2019 in particular). Cut-off dates differ; page-extracts "
                   "rows use the cut-off day as period_end (e.g. 2022-11-01 = 'to 1 Nov'), census-ethnic rows the "
                   "last day counted. `year` is filled only when the period lies within one calendar year.",
        "originals": [{"path": "original/census-ethnic/kandas_arrivals.csv"},
                      {"path": "original/page-extracts/kandas_repatriation.csv"}],
        "schema": schema([
            f("report_id", "string", "pe-<line> (page-extracts) or ce-<line> (census-ethnic)", required=True,
              unique=True, pattern="^(pe|ce)-[0-9]+$"),
            f("period_start", "string", "start as printed (YYYY, YYYY-MM or YYYY-MM-DD)",
              pattern=r"^\d{4}(-\d{2}(-\d{2})?)?$"),
            f("period_end", "string", "end or cut-off as printed", pattern=r"^\d{4}(-\d{2}(-\d{2})?)?$"),
            year(required=False, description="calendar year of the arrivals, when the period lies within one year"),
            f("scope", "string", "what the count covers", required=True),
            f("persons", "integer", "persons given kandas/oralman status", minimum=0),
            f("families", "integer", "families", minimum=0),
            f("cumulative_since_1991_persons", "integer", "cumulative persons since 1991 at the cut-off", minimum=0),
            *status_fields(),
            f("stated_source", "string", "the source the page names", required=True),
            f("page_url", "string", "page the value was read from", required=True, pattern="https?://.+"),
            f("note", "string", "transcriber's note"),
            *trace_fields(),
        ], ["report_id"]),
    },
    {
        "name": "kandas_origin_shares",
        "path": "kandas_origin_shares.csv",
        "title": "Kandas by country of origin: percentage shares per report",
        "description": "Share of each origin country in the persons of the report named by report_id.",
        "publisher": "Ministry of Labour and Social Protection of Kazakhstan and predecessors, as quoted by the media",
        "vintage": "as the report in kandas_arrivals",
        "table_or_page": "per report: page_url in kandas_arrivals",
        "retrieved": RETRIEVED_PAGES.format(src="census-ethnic and page-extracts"),
        "licenses": [FACTS],
        "sources": KANDAS_SOURCES,
        "caveats": "Shares are printed with one decimal and need not sum to 100; origins not printed are absent "
                   "(not zero).",
        "originals": [{"path": "original/census-ethnic/kandas_arrivals.csv"},
                      {"path": "original/page-extracts/kandas_repatriation.csv"}],
        "schema": schema([
            f("report_id", "string", "report in kandas_arrivals", required=True),
            f("origin", "string", "origin country code or 'other'", required=True,
              enum=["UZB", "CHN", "MNG", "TKM", "RUS", "other"]),
            iso3("origin_iso3", "origin country (empty for 'other')", required=False),
            f("share_pct", "number", "percentage of the report's persons", required=True, minimum=0, maximum=100),
            *status_fields(),
        ], ["report_id", "origin"], [
            country_fk("origin_iso3"),
            {"fields": ["report_id"], "reference": {"resource": "kandas_arrivals", "fields": ["report_id"]}},
        ]),
    },
    {
        "name": "policy_concept_measures",
        "path": "policy/concept_2023_2027_measures.csv",
        "title": "Measures of Kazakhstan's Migration Policy Concept 2023-2027, with documented gaps (coded table)",
        "description": "Coded by the project from official and press summaries of the Concept (Government Decree "
                       "No. 961 of 30 Nov 2022); see policy/PROVENANCE.md.",
        "publisher": "Coded by this project from pages of primeminister.kz, Kazinform, Jibek Joly TV, Zhaik-Press, "
                     "adilet.zan.kz (publisher per row in source_publisher)",
        "vintage": "Concept 2023-2027 as approved 29/30 Nov 2022; coded 2026-11",
        "table_or_page": "per row: source_url; decree heading at https://adilet.zan.kz/rus/docs/P2200000961/compare",
        "retrieved": "2026-11 (stored public copies of the pages, see policy/PROVENANCE.md)",
        "licenses": [CC_BY_4],
        "sources": [{"title": "data/policy/PROVENANCE.md", "path": "policy/PROVENANCE.md"},
                    {"title": "Migration Policy Concept 2023-2027 approved by Kazakhstan Government",
                     "path": "https://primeminister.kz/en/news/migration-policy-concept-2023-2027-approved-by-"
                             "kazakhstan-government-30102113"}],
        "caveats": "Measures come from summaries, not the full decree text; gap_basis 'assessment' rows are the "
                   "project's own assessment, not a source's claim. Row M10 (kind 'absence') records that no "
                   "measure for Kazakhs who stay abroad is reported; it is not a measure.",
        "originals": [{"path": "policy/PROVENANCE.md"}],
        "schema": schema([
            f("measure_id", "string", "measure id", required=True, pattern="^M[0-9]{2}$"),
            f("kind", "string", "measure = a measure the summaries report; absence = a row recording that the "
                                "summaries report no measure for a group (not counted as a measure)",
              required=True, enum=["measure", "absence"]),
            f("area", "string", "policy area", required=True),
            f("measure", "string", "paraphrase of the measure", required=True),
            f("target_group", "string", "who the measure is aimed at", required=True),
            f("gap_identified", "string", "gap or weakness, if documented"),
            f("gap_basis", "string", "source = stated in a study; assessment = project's own; empty = none",
              enum=["source", "assessment"]),
            f("gap_source_url", "string", "study stating the gap", pattern="https?://.+"),
            f("gap_reasoning", "string", "what the gap rests on"),
            f("source_title", "string", "page the measure was read from", required=True),
            f("source_publisher", "string", "publisher of that page", required=True),
            f("source_url", "string", "address of that page", required=True, pattern="https?://.+"),
            f("source_date", "date", "date of that page"),
            f("note", "string", "further pages and details"),
        ], ["measure_id"]),
    },
    {
        "name": "mission_diaspora_work",
        "path": "missions/mission_diaspora_work.csv",
        "title": "Areas of diaspora work of Kazakhstan's diplomatic missions in UZB, KGZ, TJK, TKM (coded table)",
        "description": "One row per (country, area) documented by a stored public page; see missions/PROVENANCE.md.",
        "publisher": "Coded by this project from pages of Kazinform, 24.kz, Qazaq TV, Otandastar Fund, RFE/RL, "
                     "Asia-Plus and others (publisher per row in source_publisher)",
        "vintage": "evidence 2006-2025 (evidence_date per row); coded 2026-11",
        "table_or_page": "per row: source_url",
        "retrieved": "2026-11 (stored public copies of the pages, see missions/PROVENANCE.md)",
        "licenses": [CC_BY_4],
        "sources": [{"title": "data/missions/PROVENANCE.md", "path": "missions/PROVENANCE.md"}],
        "caveats": "Mostly secondary (news) evidence; shows documented areas only, not the missions' full scope. "
                   "Where the page shows no date, evidence_date is empty (not guessed); where it shows only a "
                   "year, evidence_date is that year.",
        "originals": [{"path": "missions/PROVENANCE.md"}],
        "schema": schema([
            iso3("country_iso3", "host country"),
            f("mission", "string", "mission or state body", required=True),
            f("area", "string", "area of diaspora work", required=True),
            f("activity_description", "string", "paraphrase", required=True),
            f("mission_role", "string", "how directly the mission is documented", required=True,
              enum=["direct", "supporting", "not stated"]),
            f("evidence_date", "string", "event or publication date shown on the page: ISO 8601 day, month or year "
              "(YYYY-MM-DD, YYYY-MM or YYYY, as precise as the page)", pattern=r"\d{4}(-\d{2}(-\d{2})?)?"),
            f("source_title", "string", "page title", required=True),
            f("source_publisher", "string", "publisher", required=True),
            f("source_url", "string", "address", required=True, pattern="https?://.+"),
            f("note", "string", "details"),
        ], ["country_iso3", "area"], [country_fk("country_iso3")]),
    },
]


def package_descriptor() -> dict:
    return {
        "name": "kazakh-diaspora-central-asia",
        "title": "Data for 'The Kazakh Diaspora in Central Asia' (re-derivation)",
        "description": "Tidy series re-derived from public sources for a reproducible re-derivation of Nurbek, "
                       "Kalashnikova, Turan (2025), doi:10.3389/fpos.2025.1583799. Built by data/scripts/make_tidy.py "
                       "from data/original/; see data/README.md.",
        "licenses": [CC_BY_4],
        "resources": [dict(r, profile="tabular-data-resource", format="csv", encoding="utf-8",
                           mediatype="text/csv", build="data/scripts/make_tidy.py") for r in RESOURCES],
    }
