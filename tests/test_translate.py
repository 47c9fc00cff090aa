"""Chinese questions: rag.translate with the real jieba, OpenCC and CC-CEDICT, then the whole assistant."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from rag.followup import resolve_followup
from rag.question import answer_type
from rag.text import has_han
from rag.translate import lexicon, translate

from conftest import CORPUS, ROOT


@pytest.mark.parametrize("question, english, kind", [
    # numbers, dates and periods as English text writes them
    ("西安2030年智能网联新能源汽车产量目标是多少？", "How much is the Xi'an 2030 intelligent connected new energy vehicle output target?", "number"),
    ("截至1月20日，全国有多少个万亿元城市？", "How many trillion-yuan city are there as of January 20th, national?", "number"),
    ("遂宁锂电池产业营收预计将突破1200亿元吗", None, "other"),
    ("一季度西安GDP增速是多少", "How much is the first quarter Xi'an GDP growth rate?", "number"),
    ("四川首批制造强市试点城市有哪些？", None, "name"),
    ("西安何时被确定为国家制造业创新中心？", None, "date"),
    ("遂宁锂电池产值预计在哪一年突破1000亿元？", None, "date"),
    ("中国在全球创新指数中排名第几？", None, "rank"),
    ("安全更新在星期几发布？", None, "date"),  # a weekday
    # software documentation's words, where CC-CEDICT's first sense is another ("默认" = "agree tacitly")
    ("init程序的默认文件路径是什么？", "What is default file path of init program?", "other"),
    ("默认端口是多少？", "How much is the default port?", "number"),
    ("项目成员会在多长时间内回应报告的安全漏洞？", None, "number"),  # 多长时间: how long
    ("哪个版本引入了这个功能？", "Which version introduced this function?", "version"),
    ("谁是四川省决策咨询委员会工业组副组长？", None, "name"),
    ("成都的旗舰产业是什么？", "What is flagship industry of Chengdu?", "other"),
    # 百分之多少 asks for a percentage as one question word, not "how much … percent"
    ("一季度西安外贸同比增长了百分之多少？", "By what percentage is the first quarter Xi'an foreign trade year-on-year grow?", "number"),
    # 多少钱 asks how much money, not how many coins
    ("上海在 Super Waterway 项目上投资了多少钱？", "How much is the Shanghai in Super Waterway item on top investment?", "number"),
    # traditional characters, full-width digits, a question mixed with English
    ("四川首批製造強市試點城市有哪些？", None, "name"),
    ("西安２０３０年的ＧＤＰ目标是多少？", "How much is the GDP target of Xi'an 2030?", "number"),
    ("Xi'an 的 GDP 是多少", "How much is the GDP of Xi'an?", "number"),
])
def test_translation(question, english, kind):
    translation = translate(question)
    if english:
        assert translation.question == english
    assert translation.kind == kind
    assert not has_han(translation.question)
    # The frame makes the English answerer read the same kind of answer.
    assert answer_type(translation.question) == kind


@pytest.mark.parametrize("question, english", [
    ("遂宁锂电池产业营收预计将突破1200亿元", "120 billion yuan"),
    ("西安的GDP达到1.39万亿元", "1.39 trillion yuan"),
    ("汽车年产量155万辆", "1.55 million vehicles"),
    ("北京成为第二个五万亿元城市", "second five trillion yuan"),
    ("内需贡献率达到百分之六十七", "67 percent"),
    ("增长１１．２％", "11.2%"),
    ("九个城市已经突破两万亿元", "nine city break through two trillion yuan"),
    ("前三季度投资增长", "first three quarters"),
    ("上半年工业增加值", "first half"),
    ("2022年5月11日发布", "May 11th, 2022"),
    ("排名第27位", "27th"),
])
def test_numbers_read_as_english_writes_them(question, english):
    assert english.lower() in translate(question).question.lower()


def test_compounds_missing_from_the_dictionary_are_composed_or_spelt():
    lex = lexicon()
    assert not lex.senses("新能源") and not lex.senses("源杰")  # CC-CEDICT lacks both
    assert "new energy" in translate("新能源产业的规模是多少").question
    # A name the dictionary lacks is spelt in pinyin when the corpus uses that spelling.
    corpus_terms = {"yuanji", "technology", "company"}
    assert "Yuanjie" in translate("源杰科技是哪里的公司", known=corpus_terms.__contains__).question


def test_function_words_and_abbreviations_are_glossed_not_spelt():
    # 个 of 每个 is a measure word the glossary drops: the compound is "each", no name "Meige";
    # 中共 is CC-CEDICT's "abbr. for 中国共产党, Chinese Communist Party", no name "Zhonggong".
    assert "each pilot city" in translate("四川为什么要求每个试点城市举办世界品牌会议？").question
    assert "Chinese Communist Party" in translate("中共四川省委经济工作会议是什么时候召开的？").question


def test_the_words_after_the_last_comma_are_what_is_asked_of_the_rest():
    assert translate("Shanghai 投资550亿元建设“Super Waterway”，目的是什么？").question \
        == "What is purpose of Shanghai investment 55 billion yuan build Super Waterway?"
    # (not when more follows the question word: 全国 is where the cities are counted)
    assert translate("截至1月20日，全国有多少个万亿元城市？").question.startswith("How many trillion-yuan city are there as of")


def test_a_question_word_begins_where_a_word_does():
    # 被视为什么 is 被 + 视为 + 什么 ("regarded as what"), not 为什么 ("why")
    assert translate("「萬億元城市」被視為什麼？").question.startswith("What ")


def test_the_sense_the_corpus_uses_is_chosen():
    assert translate("全球创新指数排名第几").question != translate("全球创新指数排名第几", known={"global"}.__contains__).question
    assert "global" in translate("全球创新指数排名第几", known={"global", "innovation", "index"}.__contains__).question


def test_chinese_question_is_answered_from_english_passages(assistant):
    answer = assistant.ask("四川首批制造强市试点城市有哪些？")
    assert not answer.abstained
    assert all(city in answer.answer for city in ("Chengdu", "Deyang", "Mianyang", "Yibin"))
    assert answer.question == "四川首批制造强市试点城市有哪些？"
    assert answer.searched_as and not has_han(answer.searched_as)
    assert answer.citations[0].source == "004_980d9e528abab5f1.txt"
    record = answer.to_dict()
    assert record["searched_as"] == answer.searched_as


def test_chinese_question_the_corpus_cannot_answer_abstains(assistant):
    assert assistant.ask("火星2030年的GDP是多少？").abstained
    assert assistant.ask("西安的人口是多少？").abstained  # "How much is the population of Xi'an?": no population


def test_english_record_has_no_searched_as(assistant):
    assert "searched_as" not in assistant.ask("What is Xi'an's 2030 NEV output target?").to_dict()


def test_cli_json_and_text_show_searched_as(corpus_index):
    question = "西安2030年智能网联新能源汽车产量目标是多少？"
    base = [sys.executable, "-m", "rag.cli", "ask", "--index", str(corpus_index), "--corpus", str(CORPUS), question]
    record = json.loads(subprocess.run(base + ["--json"], capture_output=True, text=True, check=True, cwd=ROOT).stdout)
    assert "310 billion" in record["answer"] and record["question"] == question
    assert record["searched_as"].startswith("How much is the")
    text = subprocess.run(base, capture_output=True, text=True, check=True, cwd=ROOT, env={**os.environ, "NO_COLOR": "1"}).stdout
    assert f"Searched as: {record['searched_as']}" in text


@pytest.mark.parametrize("question, previous", [
    ("四川首批制造强市试点城市有哪些？", "What is the GDP of Mars in 2030?"),
    ("And Chengdu?", "四川首批制造强市试点城市有哪些？"),
    ("成都呢？", "西安2030年的GDP目标是多少？"),
    ("Что это?", "What is Xi'an's 2030 NEV output target?"),
])
def test_followup_never_attaches_another_language(question, previous):
    assert resolve_followup(question, previous) == question


CHINESE_DOCUMENT = """成都新型显示产业发展情况

2021年，成都新型显示产业营收突破1200亿元，同比增长18%。成都已聚集京东方、天马、惠科等龙头企业。

成都还将举办世界显示产业大会，打造具有全球影响力的新型显示产业基地。
"""


@pytest.fixture(scope="module")
def mixed_assistant(tmp_path_factory):
    """The English NEV article and a short Chinese document, indexed with the real model."""
    folder = tmp_path_factory.mktemp("mixed")
    corpus = folder / "corpus"
    corpus.mkdir()
    (corpus / "chengdu_zh.txt").write_text(CHINESE_DOCUMENT, encoding="utf-8")
    (corpus / "001_e0bc9c2f253517cb.txt").write_text((CORPUS / "001_e0bc9c2f253517cb.txt").read_text(encoding="utf-8"))
    from rag import Assistant

    return Assistant.open(index_dir=folder / "index", corpus=corpus)


@pytest.mark.parametrize("question, sentence", [
    ("2021年成都新型显示产业营收是多少？", "营收突破1200亿元"),
    ("成都聚集了哪些显示龙头企业？", "京东方"),
    ("成都将举办什么大会？", "世界显示产业大会"),
])
def test_chinese_document_answers_a_chinese_question(mixed_assistant, question, sentence):
    answer = mixed_assistant.ask(question)
    assert not answer.abstained and sentence in answer.answer
    assert answer.citations[0].source == "chengdu_zh.txt"
    assert answer.answer.endswith("。 [1]")


def test_english_document_still_answers_beside_a_chinese_one(mixed_assistant):
    answer = mixed_assistant.ask("西安2030年智能网联新能源汽车产量目标是多少？")
    assert "310 billion" in answer.answer and answer.citations[0].source == "001_e0bc9c2f253517cb.txt"


def test_a_number_too_long_for_a_float_is_read_without_error():
    # Found by the ask fuzzer: 400 digits before 万 overflowed float -> int.
    for question in ("9" * 400 + "万是多少？", "百分之" + "9" * 400):
        assert "∞" in translate(question, known=lambda term: True).question


def test_programming_words_read_as_a_programmer_writes_them():
    # CC-CEDICT's first senses: 语句 "sentence", 实例 "actual example", 异常 "exceptional"
    assert "pass statement" in translate("pass语句做什么？").question
    assert "built-in function checks instance" in translate("哪个内置函数检查实例的类型？").question
    assert translate("除以零时会引发哪个异常？").question.startswith("Which exception divided by zero when raised")
