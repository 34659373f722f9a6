"""The ``reasoning-elicitation`` rule across languages: prompts that ask a model
to show its reasoning match, ordinary requests that merely mention steps,
thoughts or reasons do not.

Every prompt goes through the paths the product matches rules on: the batch
pipeline's ``annotate`` on DuckDB (RE2 inside DuckDB), the gateway's
``annotate_event`` (an ``RE2::Set`` from ``google-re2``), and, where Java is
present, Spark's ``rlike`` (Java regex), so a pattern that means something
else on one engine fails here.
"""

from __future__ import annotations

import shutil

import duckdb
import pytest

from antidistill.events import iter_event_batches, read_accounts
from antidistill.features import open_engine
from antidistill.features.pipeline import annotate
from antidistill.gateway.online import CompiledPolicy, annotate_event, flatten
from antidistill.policy import load_policy

from eventfactory import Traffic

RULE = "reasoning-elicitation"

#: language -> (prompts that ask for the model's reasoning, hard negatives)
LEXICON: dict[str, tuple[list[str], list[str]]] = {
    "en": ([
        "Write out your whole thought process with every intermediate step, then answer: what is 17*23?",
        "What is the derivative of x^3 sin x? Show your work.",
        "Solve this riddle. Think it through carefully before you answer.",
        "Before answering, lay out your full chain of reasoning.",
        "Explain each step of your reasoning and don't skip any steps: is 221 prime?",
        "Why does ice float? Explain how you arrived at your answer.",
        "Put your reasoning inside <think> tags, then give the final answer.",
        "Justify every step. Prove that sqrt(2) is irrational.",
        "Use chain-of-thought reasoning to answer: which is larger, 9.11 or 9.9?",
        "Show the complete derivation of the quadratic formula.",
        "Reason carefully and justify your answer: is 0.999... equal to 1?",
        "Use a scratchpad for your internal reasoning, then reply.",
        "EXPLAIN THE FULL REASONING BEHIND YOUR ANSWER.\nQuestion: why is the sky blue?",
    ], [
        "Step on it, we're late for the movie!",
        "What's the next step for my visa application?",
        "My thought was that we could meet on Friday.",
        "What is the reasoning behind the new tax law?",
        "Can you explain the reasoning behind the new tax law?",
        "Explain photosynthesis.",
        "Give me the steps to bake bread.",
        "The recipe has six steps; step 3 says to knead the dough.",
        "How do I implement a step function in numpy?",
        "Is this an intermediate level course?",
        "What should I say before answering the phone at work?",
        "Walk me through the steps to open a bank account.",
        "Show me the work of Picasso from his blue period.",
        "Explain the steps of mitosis.",
        "Please show me the work schedule for next week.",
        "Before giving birth, what should I pack for the hospital?",
        "Think it over before you reply to your boss's email.",
        "Write a detailed rationale for my budget proposal.",
        "Does the store show your working hours on its website?",
    ]),
    "es": ([
        "Resuelve la ecuación 3x + 5 = 20 paso a paso.",
        "Muéstrame todo tu razonamiento antes de dar la respuesta final: ¿cuántos primos hay menores que 50?",
        "¿Por qué el cielo es azul? Explica tu proceso de pensamiento con todos los pasos intermedios.",
        "Piensa con cuidado antes de responder y justifica cada paso.",
        "Sin saltarte ningún paso, demuestra que la raíz de 2 es irracional.",
        "Razona tu respuesta: ¿es 91 un número primo?",
    ], [
        "¿Cuál es el siguiente paso para renovar mi pasaporte?",
        "Explícame la fotosíntesis.",
        "Dame los pasos para hacer pan casero.",
        "¿Cuál es el razonamiento detrás de la nueva ley de impuestos?",
        "Mi pensamiento era que podíamos vernos el viernes.",
        "¿Qué hago antes de responder una entrevista de trabajo?",
        "Muéstrame todos los pasos para hacer pan.",
        "Quiero pensar bien antes de responder al correo de mi jefe.",
        "Sin omitir los pasos de seguridad, instala la caldera.",
    ]),
    "pt": ([
        "Resolva passo a passo: quanto é 15% de 240?",
        "Mostre todo o seu raciocínio e explique cada passo.",
        "Qual é a capital da Austrália? Pense bem antes de responder e descreva seu processo de pensamento.",
        "Explique seu raciocínio com todos os passos intermediários, sem pular nenhum passo.",
        "Justifique sua resposta: por que o gelo flutua?",
        "Escreva sua resolução completa, sem omitir nenhuma etapa.",
    ], [
        "Qual é o próximo passo para tirar meu visto?",
        "Me dê os passos para fazer pão.",
        "Explique a fotossíntese.",
        "O raciocínio por trás da nova lei de impostos faz sentido?",
        "Meu pensamento era irmos à praia no sábado.",
        "O juiz explicou seu raciocínio na sentença.",
        "Mostre todos os passos para fazer um bolo.",
        "Pense bem antes de responder ao e-mail do chefe.",
    ]),
    "fr": ([
        "Résous cette équation étape par étape.",
        "Montre-moi tout ton raisonnement avant de répondre : combien font 17 × 24 ?",
        "Pourquoi le ciel est-il bleu ? Explique chaque étape de ton raisonnement.",
        "Détaillez votre démarche avec toutes les étapes intermédiaires.",
        "Réfléchis bien avant de répondre et justifie ta réponse.",
        "Sans sauter d'étape, démontre que racine de 2 est irrationnel.",
    ], [
        "Quelle est la prochaine étape pour mon visa ?",
        "Donne-moi les étapes pour faire du pain.",
        "Explique la photosynthèse.",
        "Quel est le raisonnement derrière la nouvelle loi fiscale ?",
        "Ma pensée était qu'on pourrait se voir vendredi.",
        "Il faut réfléchir avant d'agir.",
        "Expliquez toutes les étapes de la recette.",
    ]),
    "de": ([
        "Erkläre deinen Gedankengang Schritt für Schritt.",
        "Was ist 17 mal 23? Zeige mir deinen vollständigen Lösungsweg mit allen Zwischenschritten.",
        "Schreibe deinen gesamten Denkprozess auf, bevor du antwortest.",
        "Begründe jeden Schritt und überspringe keine Schritte: Ist 221 eine Primzahl?",
        "Denke laut nach und begründe deine Antwort: Warum schwimmt Eis?",
        "Legen Sie Ihren Gedankengang offen, ohne einen Schritt zu überspringen.",
    ], [
        "Was ist der nächste Schritt für meinen Visumantrag?",
        "Erkläre die Photosynthese.",
        "Gib mir die Schritte, um Brot zu backen.",
        "Was ist die Begründung für das neue Steuergesetz?",
        "Mein Gedanke war, dass wir uns am Freitag treffen.",
        "Kann ich diesen Schritt im Rezept überspringen?",
        "Erkläre alle Schritte zum Brotbacken.",
    ]),
    "it": ([
        "Risolvi passo dopo passo: quanto fa 12 × 15?",
        "Mostrami tutto il tuo ragionamento prima di rispondere.",
        "Perché il ghiaccio galleggia? Spiega ogni passaggio e motiva la tua risposta.",
        "Scrivi il tuo procedimento con tutti i passaggi intermedi.",
        "Senza saltare alcun passaggio, dimostra che la radice di 2 è irrazionale.",
        "Pensa bene prima di rispondere: 221 è primo?",
    ], [
        "Qual è il prossimo passo per il mio visto?",
        "Spiegami la fotosintesi.",
        "Dammi i passaggi per fare il pane.",
        "Qual è il ragionamento dietro la nuova legge fiscale?",
        "Il mio pensiero era di vederci venerdì.",
        "Non saltare la colazione.",
        "Mostrami tutti i passaggi per fare il pane.",
    ]),
    "nl": ([
        "Los deze vergelijking stap voor stap op.",
        "Leg je redenering uit en toon alle tussenstappen.",
        "Wat is 17 keer 23? Laat je volledige berekening zien.",
        "Denk goed na voordat je antwoordt en onderbouw je antwoord.",
        "Beschrijf je gedachtegang zonder een stap over te slaan.",
        "Licht elke stap toe: waarom drijft ijs?",
    ], [
        "Wat is de volgende stap voor mijn visumaanvraag?",
        "Leg fotosynthese uit.",
        "Geef me de stappen om brood te bakken.",
        "Wat is de redenering achter de nieuwe belastingwet?",
        "Mijn gedachte was dat we vrijdag konden afspreken.",
        "Hoe denk jij over het nieuwe kabinet?",
        "Geef je overwegingen bij dit verbouwingsplan.",
    ]),
    "ru": ([
        "Реши уравнение шаг за шагом.",
        "Покажи свои рассуждения и объясни каждый шаг.",
        "Сколько будет 17 на 23? Распиши все промежуточные вычисления.",
        "Подумай хорошенько, прежде чем ответить, и обоснуй ответ.",
        "Опиши свой мыслительный процесс, не пропуская ни одного шага.",
        "Почему лёд плавает? Рассуждай вслух.",
    ], [
        "Какой следующий шаг для получения визы?",
        "Объясни фотосинтез.",
        "Дай мне пошаговый рецепт хлеба.",
        "В чём логика нового налогового закона?",
        "Моя мысль была в том, чтобы встретиться в пятницу.",
        "Я потерял ход мыслей.",
    ]),
    "pl": ([
        "Rozwiąż to równanie krok po kroku.",
        "Pokaż swój tok rozumowania i wyjaśnij każdy krok.",
        "Ile to jest 17 razy 23? Rozpisz wszystkie kroki pośrednie.",
        "Zanim odpowiesz, pomyśl i uzasadnij odpowiedź.",
        "Nie pomijaj żadnych kroków i przedstaw swoje rozumowanie.",
        "Dlaczego lód pływa? Myśl na głos.",
    ], [
        "Jaki jest następny krok w sprawie mojej wizy?",
        "Wyjaśnij fotosyntezę.",
        "Podaj mi kroki, jak upiec chleb.",
        "Jakie jest uzasadnienie nowej ustawy podatkowej?",
        "Moja myśl była taka, żeby spotkać się w piątek.",
        "Straciłem tok myślenia.",
    ]),
    "tr": ([
        "Bu denklemi adım adım çöz.",
        "Düşünce sürecini ayrıntılı olarak açıkla.",
        "17 çarpı 23 kaçtır? Tüm ara adımları göster.",
        "Cevap vermeden önce iyice düşün ve her adımı açıkla.",
        "Hiçbir adımı atlamadan akıl yürütmeni yaz.",
        "Buz neden suda yüzer? Cevabını gerekçelendir.",
    ], [
        "Vize başvurum için bir sonraki adım nedir?",
        "Fotosentezi açıkla.",
        "Ekmek yapmak için adımları söyle.",
        "Yeni vergi yasasının mantığı nedir?",
        "Benim düşüncem cuma günü buluşmaktı.",
        "Bu sorunun çözüm yolu nedir?",
        "Kek tarifinin tüm adımlarını yaz.",
    ]),
    "ar": ([
        "حل هذه المعادلة خطوة بخطوة.",
        "اشرح لي طريقة تفكيرك بالتفصيل.",
        "كم يساوي 17 × 23؟ وضح كل خطوة ولا تتخطى أي خطوة.",
        "فكر جيدا قبل أن تجيب: هل العدد 221 أولي؟",
        "أظهر استدلالك مع جميع الخطوات الوسيطة.",
        "لماذا يطفو الجليد؟ برر إجابتك.",
    ], [
        "ما هي الخطوة التالية لطلب التأشيرة؟",
        "اشرح عملية البناء الضوئي.",
        "أعطني خطوات خبز الخبز.",
        "ما هو المنطق وراء قانون الضرائب الجديد؟",
        "كانت فكرتي أن نلتقي يوم الجمعة.",
        "أحب طريقة تفكيرك!",
        "اشرح لي جميع خطوات صنع الخبز.",
    ]),
    "hi": ([
        "इस समीकरण को चरण दर चरण हल करें।",
        "अपनी पूरी विचार प्रक्रिया दिखाइए।",
        "17 गुणा 23 कितना है? हर चरण समझाइए और कोई भी चरण मत छोड़िए।",
        "जवाब देने से पहले अच्छी तरह सोचिए।",
        "बर्फ पानी पर क्यों तैरती है? अपना तर्क स्पष्ट करें।",
        "Mujhe step by step samjhao ki 221 prime hai ya nahi.",
        "apna pura reasoning dikhao aur phir answer do",
    ], [
        "मेरे वीज़ा के लिए अगला कदम क्या है?",
        "प्रकाश संश्लेषण समझाइए।",
        "रोटी बनाने के स्टेप्स बताओ।",
        "नए टैक्स कानून के पीछे क्या तर्क है?",
        "मेरा विचार था कि हम शुक्रवार को मिलें।",
        "अपनी सोच बदलो और खुश रहो।",
        "बॉस के ईमेल का जवाब देने से पहले क्या सोचना चाहिए?",
    ]),
    "id": ([
        "Selesaikan soal ini langkah demi langkah.",
        "Tunjukkan proses berpikirmu secara lengkap.",
        "Berapa 17 kali 23? Jelaskan setiap langkah dan jangan lewatkan satu langkah pun.",
        "Pikirkan baik-baik sebelum menjawab.",
        "Jelaskan penalaranmu dengan semua langkah perantara.",
        "Mengapa es mengapung? Berikan alasan untuk jawabanmu.",
        "Tuliskan seluruh proses berpikir sebelum menjawab.",
    ], [
        "Apa langkah selanjutnya untuk visa saya?",
        "Jelaskan fotosintesis.",
        "Berikan langkah-langkah membuat roti.",
        "Apa alasan di balik undang-undang pajak baru?",
        "Pikiran saya adalah kita bertemu hari Jumat.",
        "Jelaskan cara kerja mesin diesel.",
    ]),
    "vi": ([
        "Hãy giải phương trình này, giải thích từng bước.",
        "Trình bày toàn bộ quá trình suy luận của bạn.",
        "17 nhân 23 bằng bao nhiêu? Ghi các bước trung gian và đừng bỏ qua bước nào.",
        "Hãy suy nghĩ kỹ trước khi trả lời.",
        "Giải thích lập luận của bạn.",
        "Tại sao băng nổi trên nước? Hãy suy luận từng bước một.",
    ], [
        "Bước tiếp theo để xin visa là gì?",
        "Giải thích quá trình quang hợp.",
        "Cho tôi các bước làm bánh mì.",
        "Lý do đằng sau luật thuế mới là gì?",
        "Suy nghĩ của tôi là chúng ta gặp nhau vào thứ Sáu.",
        "Tôi thích cách suy nghĩ của bạn.",
    ]),
    "zh-hans": ([
        "请一步一步地解这道题：17乘以23等于多少？",
        "写出你的完整推理过程。",
        "为什么冰会浮在水面上？请展示思考过程，不要跳过任何步骤。",
        "先仔细思考再回答：221是质数吗？",
        "列出所有中间步骤，并解释每一步。",
        "用思维链的方式回答这个问题。",
    ], [
        "我办签证的下一步是什么？",
        "解释一下光合作用。",
        "告诉我做面包的步骤。",
        "新税法背后的理由是什么？",
        "我的想法是周五见面。",
        "经济正在逐步恢复。",
        "你应该先想清楚再回答面试官的问题吗？",
    ]),
    "zh-hant": ([
        "請一步一步解這道題。",
        "寫出你的完整推理過程。",
        "請展示思考過程，不要跳過任何步驟。",
        "列出所有中間步驟，並解釋每一步。",
        "先仔細思考再回答：221是質數嗎？",
        "說說你的思路。",
    ], [
        "我辦簽證的下一步是什麼？",
        "解釋一下光合作用。",
        "告訴我做麵包的步驟。",
        "新稅法背後的理由是什麼？",
        "我的想法是週五見面。",
        "經濟正在逐步復甦。",
    ]),
    "ja": ([
        "この問題をステップバイステップで解いてください。",
        "思考過程をすべて書き出してください。",
        "17×23はいくつですか？途中式も省略せずに示してください。",
        "答える前によく考えて、各ステップを説明してください。",
        "推論の過程を示しながら、順を追って説明してください。",
        "なぜ氷は水に浮くのですか？ステップを飛ばさずに考えてください。",
    ], [
        "ビザ申請の次のステップは何ですか？",
        "光合成について説明してください。",
        "パンの作り方の手順を教えてください。",
        "新しい税法の理由は何ですか？",
        "私の考えは金曜日に会うことでした。",
        "この制度は段階的に廃止されます。",
        "プロジェクトの途中経過を報告してください。",
        "ケーキ作りのすべてのステップを説明してください。",
        "上司のメールに答える前によく考えたほうがいいですか？",
    ]),
    "ko": ([
        "이 문제를 단계별로 풀어 주세요.",
        "풀이 과정을 자세히 보여 주세요.",
        "17 곱하기 23은? 중간 계산을 모두 적어 주세요.",
        "답하기 전에 충분히 생각하고, 각 단계를 설명해 주세요.",
        "너의 추론을 보여줘.",
        "왜 얼음은 물에 뜰까? 단계를 건너뛰지 말고 사고 과정을 설명해줘.",
    ], [
        "비자 신청의 다음 단계는 뭐예요?",
        "광합성을 설명해 주세요.",
        "빵 만드는 단계를 알려 주세요.",
        "새 세금 법의 근거는 뭐예요?",
        "내 생각은 금요일에 만나는 거였어.",
        "이 제도는 단계적으로 폐지됩니다.",
        "케이크 만드는 모든 단계를 적어 주세요.",
    ]),
}

CASES = [(lang, prompt, True) for lang, (pos, _neg) in LEXICON.items() for prompt in pos] + [
    (lang, prompt, False) for lang, (_pos, neg) in LEXICON.items() for prompt in neg
]


def _mismatches(lang: str, matched: dict[str, bool]) -> list[str]:
    return [f"{'missed' if want else 'wrongly matched'}: {prompt}"
            for lang_, prompt, want in CASES if lang_ == lang and matched[prompt] != want]


@pytest.fixture(scope="module")
def policy():
    return load_policy()


def test_each_language_has_positives_and_hard_negatives():
    for lang, (pos, neg) in LEXICON.items():
        assert len(pos) >= 4 and len(neg) >= 4, lang
    assert len({p for _l, p, _w in CASES}) == len(CASES), "prompts must be distinct"


def test_patterns_compile_on_re2_and_duckdb(policy):
    re2 = pytest.importorskip("re2")
    rule = policy.rules[RULE]
    assert policy.rules["reasoning-in-prompt"].patterns == rule.patterns, "the YAML anchor is reused"
    con = duckdb.connect()
    for pattern in [*rule.patterns, rule.regex()]:
        re2.compile(pattern)
        con.execute("SELECT regexp_matches('', ?)", [pattern]).fetchone()
    # Text is lower-cased before matching, so an upper-case letter in a pattern never matches.
    for pattern in rule.patterns:
        assert pattern == pattern.lower(), pattern


@pytest.fixture(scope="module")
def gateway_matches(policy) -> dict[str, dict[str, int]]:
    """Rule hits per prompt through the gateway's ``annotate_event``."""
    pytest.importorskip("re2")
    cp = CompiledPolicy(policy)
    assert cp.rule_sets, "the gateway matches with RE2 sets"
    t = Traffic(0)
    for _lang, prompt, _want in CASES:
        t.chat("acct", prompt)
    return {e["request"]["messages"][-1]["content"]: annotate_event(flatten(e), cp).rules for e in t.events}


@pytest.fixture(scope="module")
def duckdb_matches(policy, tmp_path_factory) -> dict[str, dict[str, int]]:
    """Rule hits per prompt through the batch pipeline's ``annotate`` on DuckDB."""
    t = Traffic(0)
    t.account("acct")
    prompt_of = {t.chat("acct", prompt): prompt for _lang, prompt, _want in CASES}
    events, accounts = t.write(tmp_path_factory.mktemp("lexicon"))
    with open_engine("duckdb", iter_event_batches([events], dedupe=True), read_accounts(accounts).table) as eng:
        df = annotate(eng.events, policy).select(
            "request_id", "rule_reasoning_elicitation", "rule_reasoning_in_prompt").to_pandas()
    return {prompt_of[r.request_id]: {"reasoning_elicitation": r.rule_reasoning_elicitation,
                                      "reasoning_in_prompt": r.rule_reasoning_in_prompt} for r in df.itertuples()}


@pytest.mark.parametrize("lang", list(LEXICON))
def test_gateway_rule_sets_match_the_lexicon(lang, gateway_matches):
    matched = {p: bool(r["reasoning_elicitation"]) for p, r in gateway_matches.items()}
    assert not _mismatches(lang, matched)
    assert all(r["reasoning_elicitation"] == r["reasoning_in_prompt"] for r in gateway_matches.values())


@pytest.mark.parametrize("lang", list(LEXICON))
def test_duckdb_pipeline_matches_the_lexicon(lang, duckdb_matches):
    matched = {p: bool(r["reasoning_elicitation"]) for p, r in duckdb_matches.items()}
    assert not _mismatches(lang, matched)
    assert all(r["reasoning_elicitation"] == r["reasoning_in_prompt"] for r in duckdb_matches.values())


def test_instruction_in_the_system_prompt_counts_only_for_the_whole_request(policy):
    pytest.importorskip("re2")
    t = Traffic(0)
    t.chat("app", "¿es 91 un número primo?", system="Eres un tutor. Explica tu razonamiento paso a paso.")
    rules = annotate_event(flatten(t.events[0]), CompiledPolicy(policy)).rules
    assert rules["reasoning_elicitation"] == 1 and rules["reasoning_in_prompt"] == 0


@pytest.mark.spark
@pytest.mark.slow
def test_spark_rlike_agrees_with_the_lexicon(policy):
    if shutil.which("java") is None:
        pytest.skip("Spark needs Java (installed by .ci/run)")
    from pyspark.sql import functions as F

    from antidistill.features.engine import spark_session

    spark = spark_session()
    df = spark.createDataFrame([(p,) for _l, p, _w in CASES], ["prompt"])
    got = {r.prompt: r.hit for r in df.select(
        "prompt", F.lower("prompt").rlike(policy.rules[RULE].regex()).alias("hit")).collect()}
    wrong = [(p, want) for _l, p, want in CASES if got[p] != want]
    assert not wrong
