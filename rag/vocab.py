"""The vocabulary the question analysis, the answerer and text cleaning need: general English words
(question words, units, kinds of measure, stopwords), kept here so that code holds no word lists.

Only general vocabulary belongs here, never words of one corpus (names of places, firms, products).
"""
from __future__ import annotations

# --- words that carry no content ---

STOPWORDS = frozenset("""a an the of in on at to for by with from and or but is are was were be been being
has have had do does did will would shall should can could may might must it its this that these those
there their they them he she his her we our you your i what which who whom whose when where why how
as than then so such into about over under after before between during per also not no if any all
each both more most other some same own only very s t just up out much many""".split())

# A dot after one of these ends an abbreviation, not a sentence.
ABBREVIATIONS = frozenset("""no mr mrs ms dr prof inc ltd co corp vs etc e.g i.e fig al st jan feb mar apr jun jul
aug sep sept oct nov dec u.s u.k approx dept est ref refs eq eqs cf vol pp""".split())

# --- numbers, units, time ---

NUMBER_WORDS = """one two three four five six seven eight nine ten eleven twelve twenty thirty forty fifty
hundred thousand million billion trillion half double doubling""".split()
MAGNITUDES = "hundred thousand million billion trillion".split()
RELATIVE_NUMBER_WORDS = "half double doubling".split()  # a ratio to another figure: never a count or an amount
AMOUNT_MAGNITUDES = "billion trillion".split()  # "40 billion" alone is an amount of money, not a count
CURRENCIES = """yuan rmb usd dollar dollars euro euros eur pound pounds gbp yen jpy rupee rupees franc francs""".split()
# What may follow a number and belongs to it ("12 percent", "40 billion", "3 times").
UNITS = (["%", "percent", "percentage point", "percentage points", "times", "units", "years", "months", "days",
          "hours", "minutes", "seconds", "bytes", "kb", "mb", "gb", "tb", "km", "kg", "mw", "gw", "kwh"]
         + MAGNITUDES + CURRENCIES)
MONTHS = """January February March April May June July August September October November December""".split()
WEEKDAYS = "Monday Tuesday Wednesday Thursday Friday Saturday Sunday".split()
# "What is X?" is answered by a sentence that defines X: "X is …", "X allows …".
DEFINING_VERBS = ["is", "are", "was", "were", "refers to", "means", "stands for", "allows", "lets", "provides",
                  "implements", "contains", "helps", "can be", "is used", "are used"]
# … or by one that names it: "These projects are called “Upstreams”".
NAMING_WORDS = ["called", "known as", "referred to as", "named", "a.k.a.", "aka"]
# "Why …?" is answered by a sentence that gives a reason.
REASON_MARKERS = ["because", "since", "so that", ", so", "in order to", "due to", "as a result", "therefore", "thus",
                  "otherwise", "which means", "to avoid", "to prevent", "to ensure", "to allow", "to make sure",
                  "for this reason", "the reason", "purposes", "purpose"]
# A clause opening with these refers back to a noun before it: alone it says nothing ("which is the reason …").
RELATIVE_PRONOUNS = ["which", "whose", "whom", "who", "where"]
# "How does X …?" is answered by a sentence that says by what means.
MEANS_MARKERS = ["by", "using", "via", "through", "with the help of", "by means of"]
# A sentence opening with these draws a consequence from the one before, which holds its reason.
CONSEQUENCE_OPENINGS = ["thus", "therefore", "hence", "consequently", "as a result", "so", "for this reason", "that is why",
                        "that's why", "that’s why", "this is why", "that is the reason", "that's the reason",
                        "that’s the reason", "this is the reason", "which is why"]
# "When does X happen?" is often answered by the occasion, not a date: "… when the WAL file reaches 1000 pages".
OCCASION_WORDS = ["when", "whenever", "after", "before", "once", "until", "each time", "every time", "as soon as",
                  "at startup", "on startup", "at the end of", "at the start of"]
# Words that open the items of a list written as sentences ("The first is … The second is …").
ORDINALS = "first second third fourth fifth sixth seventh eighth ninth tenth".split()
# "How long / how often …?" is answered by a stretch of time ("every 5 seconds", "several weeks", "daily").
DURATION_UNITS = "second seconds minute minutes hour hours day days week weeks month months year years".split()
FREQUENCY_QUANTIFIERS = ["every", "each", "per", "once a", "twice a"]  # "once a week" says how often, not how long
DURATION_QUANTIFIERS = ["a few", "several", "many", "some", "a couple of"] + FREQUENCY_QUANTIFIERS
# "How long" may ask a length rather than a time: "80 characters", "3 lines", "2 m".
LENGTH_UNITS = "characters chars letters digits words lines pages columns bytes kb mb gb cm mm m km metres meters inches feet miles".split()
FREQUENCY_WORDS = "hourly daily nightly weekly monthly yearly annually regularly periodically".split()
# Words that place a question in time ("in the first quarter", "annually"): context, not what it is about.
TIME_WORDS = """first second third fourth quarter half year month week day annual annually yearly period end
start beginning recent recently current currently latest previous""".split()

# --- what a question asks for ---

# Nouns that name a quantity: "what is the output of X" wants a number.
QUANTITY_NOUNS = """output value scale size revenue gdp growth rate percentage percent share proportion amount
investment production figure number total increase decrease decline drop fall rise surge budget capacity worth
population price cost income profit sales salary count length width height weight speed temperature
duration limit maximum minimum average voltage resistance impedance capacitance inductance frequency
amplitude wavelength pressure resolution gain distance mass volume density constant coefficient ratio
score penalty threshold timeout interval delay throughput bandwidth latency""".split()
# Things known by their number: "Which port …?", "What exit status …?" want a number.
NUMBERED_THINGS = ["port", "status code", "reply code", "error code", "exit code", "return code", "exit status",
                   "permission mode", "chmod mode", "file mode", "octal mode"]
# Nouns that name a kind of thing a name answers: "what company …" wants a name.
NAME_NOUNS = """company companies firm firms city cities province provinces country countries state states
organisation organization organisations organizations enterprise enterprises brand brands ministry agency
person people team university institution group""".split()
# Plural nouns that, after "which/what", ask for several items.
LIST_NOUNS = """sectors industries areas cities companies firms enterprises problems requirements features
measures fields countries provinces products steps options tools types kinds languages modules functions
commands parameters changes improvements components members""".split()
LIST_COUNTS = "two three four five six seven eight nine ten several main key".split()
# Words that open a yes/no question.
AUXILIARIES = "did does do is are was were has have had will would can could".split()
MODALS = "should can could must may might would will shall need needs".split()
DETERMINERS = "the a an its their this these those each every all your our his her my some any no".split()
# Adjectives and verbs of size in a comparison ("which is bigger"): each side is answered by a quantity.
MAGNITUDE_WORDS = """bigger larger greater smaller higher lower more less fewer faster slower steeply sharply
grew grow rose fell""".split()
# Words a quantity question uses for a change.
CHANGE_WORDS = """grow grew growth increase decrease decline drop fall fell rise rose surge shrink jump""".split()
# "How much faster …?" asks for a difference too: a percentage or a factor ("about 30% faster").
COMPARATIVES = """faster slower quicker larger smaller bigger higher lower greater cheaper longer shorter more less
better worse""".split()
# Words a quantity question uses for a rate or share.
RATE_WORDS = "share proportion percentage percent rate ratio".split()
# Words a quantity question uses for an amount (a size, not a count).
AMOUNT_WORDS = """output scale revenue gdp grp investment invest funding budget worth
price cost income profit sales""".split()
# Words that mean the number after them is a threshold, not a fact to find ("faster than 5%").
THRESHOLD_WORDS = "than over above below under exceed exceeded exceeding exceeds beyond".split()
SUPERLATIVES = "largest biggest highest greatest smallest lowest".split()
# The two ends of a series: a question about the first of something is not answered by a sentence
# about the last ("Version 2.0.2 … was the last official release" for "the first version").
# Parts of a year: a question asking of one is not answered by a sentence about a whole year ("In 2025, …").
PERIOD_WORDS = "quarter quarters half q1 q2 q3 q4 h1 h2".split()
FIRST_WORDS = "first earliest initial original oldest".split()
LAST_WORDS = "last final latest newest".split()
# Words of rank and order.
RANK_WORDS = "first second third fourth fifth sixth seventh eighth ninth tenth top bottom last leading largest biggest".split()

# A condition the question puts on its answer, and the words that state it: "What is the default X?"
# is answered by a sentence that says what X is by default, not by any value of X.
# ("the oldest version that can …" asks for a minimum: "0.9.0 and later can …")
_MINIMUM = "minimum min minimal least lowest smallest shortest required requires higher newer later above".split()
_MAXIMUM = "maximum max maximal most limit limits limited largest highest longest exceed exceeds cannot upper".split()
CONDITIONS = {"default": "default defaults defaulted normally unless otherwise initially".split(),
              "maximum": _MAXIMUM, "largest": _MAXIMUM,
              "minimum": _MINIMUM, "oldest": _MINIMUM, "earliest": _MINIMUM,
              "required": "required requires require requirement requirements need needs needed must minimum least later newer higher".split()}

# A thing's first release is told in many words: "added in 5.1", "new in 2.4", "available in 2.4.58 and later".
INTRODUCTION_WORDS = "introduced introduce added add new available since first appeared".split()

# What a document's byline tells of the name under its title: who wrote it.
AUTHORSHIP_WORDS = ["wrote", "write", "writes", "written", "author", "authors", "authored"]

# Nouns that name a setting of a program: "the default value of the pagecommand option".
SETTING_WORDS = ["option", "options", "variable", "parameter", "setting", "field", "key", "flag", "argument"]

# Things asked for whose answer has a fixed form: "What is X's email address?" is answered only by
# an address, "What is the URL of …" only by a link (regular expressions).
_EMAIL = r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"
_LINK = r"\b(?:https?|ftp)://\S+|\bwww\.\S+"
# A licence is named as one ("GNU General Public License", "Free Documentation License") or by its short name.
_LICENCE = r"\bLicen[cs]e\b|\b(?:A|L)?GPL|\b(?:GFDL|FDL|MIT|BSD|MPL|ISC|CC[- ]BY|CC0|Apache|Artistic)\b|public domain"
# an option as written: "-k", "--keep", "/NCRC", "disable_on_error"
_OPTION = r"(?<![\w-])--?[A-Za-z][\w-]*|(?<![\w/])/[A-Z]+\b|\b[a-z][a-z0-9]*_[a-z0-9_]+\b|\b[A-Z][A-Z0-9]*_[A-Z0-9_]+\b"
ANSWER_FORMS = {"email": _EMAIL, "e-mail": _EMAIL, "url": _LINK, "homepage": _LINK, "website": _LINK,
                "license": _LICENCE, "licence": _LICENCE, "option": _OPTION, "switch": _OPTION, "flag": _OPTION}

# A price is stated in money: a currency sign before the number ("$40", "Rs. 3000") or a currency
# after it ("40 yuan", "3 million dollars").
PRICE_NOUNS = ["cost", "price", "fee", "charge"]
CURRENCY_SIGNS = ["$", "US$", "€", "£", "¥", "₹", "Rs", "Rs.", "INR", "USD", "RMB", "EUR", "GBP", "CNY"]
# "… worth in US dollars?" asks for the amount in that currency, however the text writes it ("$43 billion").
CURRENCY_FORMS = {"dollar": r"\$|\bdollars?\b|\bUSD\b", "euro": r"€|\beuros?\b|\bEUR\b", "pound": r"£|\bpounds?\b|\bGBP\b",
                  "yen": r"¥|\byen\b|\bJPY\b", "yuan": r"¥|\byuan\b|\bRMB\b|\bCNY\b", "rupee": r"₹|\bRs\b|\brupees?\b|\bINR\b"}
CURRENCY_COUNTRIES = ["US", "U.S.", "American", "Hong Kong", "Canadian", "Australian", "Singapore"]
# The units a physical quantity is stated in: a question about a "resistance" is answered by a number
# in ohms, not by any number.
_MASS = ["g", "kg", "mg", "gram", "grams", "kilogram", "kilograms", "lb", "lbs", "pound", "pounds", "oz", "ounces"]
_BYTES = ["B", "K", "M", "G", "kB", "KB", "MB", "GB", "TB", "KiB", "MiB", "GiB", "TiB", "byte", "bytes", "kilobytes", "megabytes",
          "gigabytes", "terabytes", "kbytes", "Kbytes", "Mbytes", "MBytes", "Gbytes", "GBytes"]
_TIMES = ["s", "ms", "sec", "secs", "min", "mins", "seconds", "second", "milliseconds", "millisecond", "minutes", "minute",
          "hours", "hour", "days", "day", "ns", "µs", "us"]
MEASURE_UNITS = {
    "voltage": ["V", "mV", "kV", "volt", "volts"],
    "amplitude": ["V", "mV", "volt", "volts"],
    # (the ohm sign U+2126 and the Greek capital omega U+03A9 are both in use)
    "resistance": ["\u2126", "k\u2126", "M\u2126", "\u03a9", "k\u03a9", "M\u03a9", "ohm", "ohms", "kohm", "Mohm"],
    "impedance": ["\u2126", "k\u2126", "M\u2126", "\u03a9", "k\u03a9", "M\u03a9", "ohm", "ohms", "kohm", "Mohm"],
    "current": ["A", "mA", "µA", "uA", "amp", "amps", "ampere", "amperes"],
    "frequency": ["Hz", "kHz", "MHz", "GHz", "hertz"],
    "capacitance": ["F", "pF", "nF", "µF", "uF", "farad", "farads"],
    "inductance": ["H", "mH", "µH", "uH", "henry"],
    "wavelength": ["nm", "µm", "nanometre", "nanometres", "nanometer", "nanometers"],
    "temperature": ["°C", "°F", "K", "degree", "degrees", "celsius"],
    "weigh": _MASS,  # (not "weight": a glob's or a font's weight is a bare number)
    "space": _BYTES, "memory": _BYTES, "storage": _BYTES, "ram": _BYTES,
    "interval": _TIMES, "timeout": _TIMES, "delay": _TIMES, "latency": _TIMES,
}

# "What value is X defined as?" asks for any value: the word frames the answer, it names no measure.
BARE_VALUE_WORDS = ["value", "values", "setting"]

# A size asked ("How big is …?") is answered by a number of bytes, whatever words surround it.
SIZE_WORDS = ["size", "big", "large"]

# Words for the same kind of measure: a question about "size" is answered by a "scale".
MEASURE_FAMILIES = [
    {"output", "value", "scale", "size", "revenue", "production", "capacity", "amount", "total", "worth", "big",
     "large", "gdp", "gross"},
    {"growth", "grow", "rate", "increase", "decrease", "decline", "drop", "fall", "rise", "surge", "shrink",
     "percentage", "percent", "sharply", "steeply"},
    {"share", "proportion", "percentage", "percent", "account"},
    {"investment", "invest", "funding", "fund", "budget"},
]

# --- page furniture that is not content ---

BOILERPLATE_STARTS = ["image source", "disclaimer", "copyright", "©", "all rights reserved", "hosted by", r"website\b",
                      "sponsored by", "leave a comment", "comments?$", "share (?:this|on)", r"related (?:articles|news)",
                      "editor:", "responsible editor", r".*\bICP\b", r".*\brecord no\b", r".*\bsecurity record\b",
                      "previous topic$", "next topic$", "this page$", "show source$", "report a bug", r"table of contents$",
                      r"navigation$", "skip to (?:main )?content", r"theme\b.*\b(?:auto|light|dark)\b",
                      # a manual's page-to-page links: "Next: Simple Example, Up: Using libffi [Index]"
                      r"(?:next|previous|prev|up):\s.*\b(?:next|previous|prev|up|index)\b"]
# An HTML element whose class or id starts or ends with one of these is page chrome, not content
# ("navheader", "sphinxsidebar", "headerlink", "breadcrumbs").
CHROME_MARKERS = ("nav", "sidebar", "breadcrumb", "footer", "menu", "headerlink", "toc", "related", "skip",
                  "banner", "cookie", "pagination", "social", "search")
# An HTML heading whose class or id says it holds the author's name is a byline, not a heading.
BYLINE_MARKERS = ("author",)
# Opening words of a sentence about the document itself ("This article explains …"), never an answer.
META_SUBJECTS = "article document page chapter section guide manual paper tutorial report note".split()
# What a whole document is called: the last word of its name ("the Securing Debian Manual", "the NUT FAQ").
DOCUMENT_KINDS = ("article document guide manual paper tutorial report faq handbook howto specification documentation book booklet "
                  "note commentary essay").split()
# What a document does with what it holds ("does the manual recommend …").
REPORTING_VERBS = ("suggest suggests recommend recommends say says advise advises describe describes mention mentions "
                   "list lists give gives propose proposes state states note notes explain explains quote quotes").split()
# Whom a question may call the document for ("the … user's manual").
DOCUMENT_READERS = ["user"]
# The formats a question may call the document itself by ("Which version … does the PDF describe?").
DOCUMENT_FORMATS = "pdf html htm txt md epub".split()
META_VERBS = "explains describes covers introduces lists presents summarizes summarises outlines discusses contains".split()

# --- references and incomplete spans ---

# A number after one of these points somewhere ("figure 4.3", "section 2.6"); it is no quantity.
REFERENCE_WORDS = "figure fig section subsection sec table chapter page pages equation eq appendix footnote".split()

# Words that open a sentence whose subject refers back to something named before ("This release …").
REFERRING_WORDS = "this these that those it its they their he she his her such here both".split() + ["the latter",
                                                                                                      "the former"]
# … of which these stand for a person ("He also wrote the GIF generators").
PERSONAL_PRONOUNS = "he she".split()
# A shortened answer ending on one of these words stops mid-sentence ("… and is", "… due to").
DANGLING_WORDS = """a an the of in on at to for by with from into onto and or but nor is are was were be been being
am has have had do does did will would shall should can could may might must as than that which who whom whose
due its their his her this these those about over under after before between because since while if whether
such very not no per via using including like called named through within without upon""".split()
# A line opening with one of these (lower-case) carries on the sentence of the line before it.
CONTINUING_WORDS = "and or but nor which whose whom where so then to".split()
# Words that open a clause leading into the next one ("while for wideband (16 kHz), the delay is 34 ms").
LEAD_IN_OPENERS = "while whereas although though if when unless whenever in for on at by from with".split()
# The first half of a paired construction, and the word its second half starts with: a span that holds
# the first without the second stops mid-sentence ("not only Linux," … "but other UNIX-like systems").
CORRELATIVES = {"not only": "but", "neither": "nor"}

# --- question phrases, by the kind of answer they ask for ---

# ("when" asks for a date only where it opens the question: "… seen when measuring" does not.)
DATE_NOUNS = "date dates day year month".split()  # (the kind of answer a date question asks for, not its subject)
DATE_PHRASES = ["what year", "which year", "in what year", "what date", "the date of", "the date on", "since when", "how long ago",
                "what day", "which day", "what month", "which month", "what time of day"]
RANK_PHRASES = ["rank", "ranking", "ranked", "place did", "position"]
HOW_QUANTITY = "much many big large high fast far sharply steeply often frequently long".split()  # "how much", "how fast" …
NAME_PHRASES = ["which", "who", "whom"]
ACCOUNT_WORDS = ["user", "group", "account"]  # "owned by user man": the account answers "who"
PERSON_NOUNS = "person people man woman men women individual developer developers author authors".split()
WH_WORDS = ["what", "which", "who", "whom", "where", "when", "why", "how", "to what", "from what", "by how",
            "by what", "in what", "in which"]
# A request ("Tell me the X", "List the X") stands for a question.
REQUEST_VERBS_WHAT = "tell give show state provide find".split()  # … asks "What is the X"
REQUEST_VERBS_WHICH = "list name".split()  # … asks "Which X"
PREPOSITIONS = "in for of on at by from to with".split()
TIME_PREPOSITIONS = "since until till before after from".split()  # ("Since version 0.30, …")
# "Who came after X?" is answered by whoever or whatever comes next to X (in a list, or in time), not by X.
FOLLOWING_WORDS = ["after", "succeeded", "replaced", "followed", "took over from"]  # … X: X comes first
PRECEDING_WORDS = ["before", "preceded"]  # … X: X comes second
# A heading "Release 15.2" or "Version 3" numbers whatever the document is about.
VERSION_WORDS = ("release", "version")
# What may follow a version's number: "1.2beta3", "2.0rc1", "0.1pl2" (a patch level).
PRE_RELEASES = "alpha beta rc pre pl dev".split()
# Which of a thing's versions is asked for: "What is the minimum OpenSSL version …?"
VERSION_SELECTORS = "last first latest earliest oldest newest minimum maximum lowest highest required current".split()

# --- text in a document that addresses a language model instead of its reader (rag.llm leaves such
# sentences out of the prompt and out of the evidence for an answer) ---

INSTRUCTIONS_TO_A_MODEL = [
    r"\b(?:ignore|disregard|forget|override)\b[^.!?]{0,40}\b(?:instructions?|prompts?|rules|directions|guidelines)\b",
    r"\byou are now\b", r"\bnew instructions?\b", r"\bsystem prompt\b", r"(?:^|[\s>\]])(?:system|assistant)\s*:",
    r"\b(?:reply|respond|answer)\s+(?:only\s+)?with\b", r"\b(?:reply|respond|answer) only\b",
    r"\bdo not (?:cite|mention|reveal)\b", r"\b(?:as an?|you are an?) (?:ai|language model|assistant)\b",
]

# Abbreviations a question may use for what documents usually write out; used only when the corpus
# never uses the abbreviation itself.
# Irregular verb forms, read as their base form so "Who wrote X?" meets "written by" (for matching only;
# forms that are also common other words are left out: "left", "won", "saw", "rose").
IRREGULAR_FORMS = {
    "wrote": "write", "written": "write", "began": "begin", "begun": "begin", "built": "build", "bought": "buy",
    "brought": "bring", "chose": "choose", "chosen": "choose", "came": "come", "did": "do", "done": "do",
    "drew": "draw", "drawn": "draw", "drove": "drive", "driven": "drive", "fell": "fall", "fallen": "fall",
    "felt": "feel", "found": "find", "gave": "give", "given": "give", "went": "go", "gone": "go", "grew": "grow",
    "grown": "grow", "held": "hold", "kept": "keep", "knew": "know", "known": "know", "led": "lead", "lost": "lose",
    "made": "make", "meant": "mean", "met": "meet", "paid": "pay", "ran": "run", "risen": "rise", "said": "say",
    "seen": "see", "sold": "sell", "sent": "send", "shown": "show",
    "spent": "spend", "stood": "stand", "took": "take", "taken": "take", "taught": "teach", "thought": "think",
    "told": "tell", "understood": "understand", "wore": "wear", "broke": "break", "broken": "break",
    "spoke": "speak", "spoken": "speak", "stole": "steal", "stolen": "steal", "forgot": "forget",
    "forgotten": "forget", "got": "get", "gotten": "get", "hid": "hide", "hidden": "hide", "laid": "lay",
    "lent": "lend", "sought": "seek", "shot": "shoot", "slid": "slide", "struck": "strike", "swore": "swear",
    "sworn": "swear", "threw": "throw", "thrown": "throw", "woke": "wake", "woken": "wake", "withdrew": "withdraw",
    "withdrawn": "withdraw", "undertook": "undertake", "undertaken": "undertake", "overtook": "overtake",
    "overtaken": "overtake", "fed": "feed", "fled": "flee", "fought": "fight", "froze": "freeze", "frozen": "freeze",
}
# Short forms that mean the same word ("Max DB size" is the maximum database size), for matching only.
# What an inflection adds to a word's shorter form ("large" + "st", "take" + "n"); "list" + "en" is another word.
INFLECTIONS = ("s", "es", "d", "ed", "r", "er", "st", "est", "n", "ly", "ing")
SHORT_FORMS = {"max": "maximum", "min": "minimum", "db": "database", "dbs": "database", "config": "configuration",
               "info": "information", "dir": "directory", "approx": "approximately", "avg": "average",
               "repo": "repository", "admin": "administrator", "spec": "specification", "specs": "specification"}
SPELT_OUT = {"q1": "first quarter", "q2": "second quarter", "q3": "third quarter", "q4": "fourth quarter",
             "h1": "first half", "h2": "second half", "yoy": "year-on-year", "ytd": "year to date", "mom": "month-on-month"}
