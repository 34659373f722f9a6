"""Phrase generation: every piece of natural language the simulator writes.

Text is composed from precomputed fragments (frames, topics, sentence banks) with
a per-actor ``random.Random``; nothing here loops over characters except the
small typo injector, so a million events stay cheap.

The vocabularies are deliberately large and overlapping between benign users and
attackers: a student asking "explain step by step" and a harvester asking for a
"full chain of thought" draw on the same topic lists, so detection has to look at
behaviour across many requests, not at a magic word.
"""

from __future__ import annotations

import random

LANGS = ("en", "es", "de", "fr", "pt", "zh", "ja", "ru")

# Languages that are written without spaces between words.
_NO_SPACE = {"zh", "ja"}


def _split(block: str) -> list[str]:
    """One entry per non-empty line; keeps the data tables below readable."""
    return [line.strip() for line in block.strip().splitlines() if line.strip()]


def join_words(lang: str, parts: list[str]) -> str:
    return ("" if lang in _NO_SPACE else " ").join(parts)


# ---------------------------------------------------------------------------
# Topics. English is the largest list; the others carry native vocabularies.
# ---------------------------------------------------------------------------

TOPICS_EN = _split("""
photosynthesis
inflation and interest rates
the Pythagorean theorem
neural networks
the French Revolution
compound interest
black holes
the immune system
supply and demand
climate change
plate tectonics
the Krebs cycle
quantum entanglement
the Roman Empire
blockchain consensus
vaccines
the stock market
the water cycle
general relativity
the causes of World War I
recursion
big O notation
Bayesian statistics
the electoral college
machine learning overfitting
CRISPR gene editing
the Cold War
public key cryptography
the Industrial Revolution
DNA replication
opportunity cost
the Doppler effect
entropy
the Silk Road
photosynthesis vs cellular respiration
monetary policy
hash tables
TCP vs UDP
the Renaissance
protein folding
the greenhouse effect
Keynesian economics
linear regression
the Fibonacci sequence
the Pythagorean school
the placebo effect
sourdough fermentation
marathon training
houseplant care
Docker containers
Kubernetes pods
React hooks
SQL joins
Git rebasing
REST API design
async/await in JavaScript
Python decorators
memory leaks in C++
Rust ownership
gradient descent
principal component analysis
the central limit theorem
derivatives in calculus
integration by parts
eigenvalues
prime numbers
the Monty Hall problem
game theory
the prisoner's dilemma
cognitive behavioral therapy
intermittent fasting
sleep hygiene
the Mediterranean diet
mortgage refinancing
index funds
retirement accounts
tax deductions for freelancers
startup fundraising
product-market fit
OKRs
remote team management
negotiating a salary
writing a cover letter
job interview questions
public speaking
the Great Depression
ancient Egypt
the Ming dynasty
the Meiji restoration
impressionist painting
jazz harmony
music theory chords
film noir
Shakespeare's sonnets
magical realism
the hero's journey
stoicism
existentialism
utilitarianism
Kant's categorical imperative
the trolley problem
GDPR compliance
contract law basics
copyright and fair use
tenant rights
small claims court
type 2 diabetes
high blood pressure
migraines
seasonal allergies
vitamin D
dog training
cat behavior
beekeeping
composting
solar panels
electric cars
heat pumps
home insulation
3D printing
Arduino projects
Raspberry Pi
home networking
VPNs
password managers
phishing
two-factor authentication
the OSI model
DNS resolution
load balancing
database indexing
event sourcing
microservices
unit testing
continuous integration
technical debt
agile estimation
the Apollo program
the James Webb telescope
exoplanets
the periodic table
chemical bonding
acids and bases
oxidation and reduction
thermodynamics
Newton's laws
electromagnetism
optics and lenses
sound waves
evolution by natural selection
mitosis and meiosis
ecosystems and food webs
ocean currents
volcanoes
earthquakes
hurricanes
glaciers
the Amazon rainforest
coral reefs
urban planning
public transport
renewable energy subsidies
universal basic income
""")

TOPICS = {
    "en": TOPICS_EN,
    "es": _split("""
la fotosíntesis
la inflación
el teorema de Pitágoras
las redes neuronales
la Revolución Francesa
el interés compuesto
los agujeros negros
el sistema inmunológico
la oferta y la demanda
el cambio climático
la Guerra Civil española
las tasas de interés hipotecarias
la programación orientada a objetos
las bases de datos relacionadas
el ciclo del agua
la dieta mediterránea
el entrenamiento para una maratón
la declaración de la renta
los contratos de alquiler
la energía solar
el aprendizaje automático
la teoría de juegos
el Imperio Romano
la independencia de México
el realismo mágico
la economía circular
las vacunas de ARNm
la ansiedad y el estrés
el cuidado de plantas
las criptomonedas
"""),
    "de": _split("""
die Photosynthese
die Inflation
der Satz des Pythagoras
neuronale Netze
die Französische Revolution
der Zinseszins
schwarze Löcher
das Immunsystem
Angebot und Nachfrage
der Klimawandel
die Wiedervereinigung
die Steuererklärung
Wärmepumpen
die Mietpreisbremse
maschinelles Lernen
die Relativitätstheorie
der Dreißigjährige Krieg
Kants kategorischer Imperativ
die Energiewende
Bausparverträge
Datenschutz nach DSGVO
Elektroautos
Sauerteig backen
Kündigungsschutz
die Quantenmechanik
objektorientierte Programmierung
SQL-Abfragen
Projektmanagement mit Scrum
die Bundestagswahl
Goethes Faust
"""),
    "fr": _split("""
la photosynthèse
l'inflation
le théorème de Pythagore
les réseaux de neurones
la Révolution française
les intérêts composés
les trous noirs
le système immunitaire
l'offre et la demande
le réchauffement climatique
la laïcité
la déclaration d'impôts
le bail de location
l'apprentissage automatique
la relativité générale
l'existentialisme de Sartre
la Première Guerre mondiale
le code du travail
la retraite par répartition
les énergies renouvelables
la cuisine française
les fromages AOP
la programmation en Python
les bases de données
la gestion de projet agile
la littérature de Proust
l'Union européenne
le marché immobilier
les vaccins
la méditation
"""),
    "pt": _split("""
a fotossíntese
a inflação
o teorema de Pitágoras
as redes neurais
a Revolução Francesa
os juros compostos
os buracos negros
o sistema imunológico
a oferta e a demanda
as mudanças climáticas
o imposto de renda
o Pix e os pagamentos digitais
a independência do Brasil
a Amazônia
o aprendizado de máquina
a programação em Java
o mercado de ações
o contrato de aluguel
a energia solar
a dieta low carb
o treino de corrida
a reforma da previdência
a literatura de Machado de Assis
o samba e a bossa nova
as vacinas
a ansiedade
a economia criativa
o ENEM
a física quântica
os direitos do consumidor
"""),
    "zh": _split("""
光合作用
通货膨胀
勾股定理
神经网络
法国大革命
复利
黑洞
免疫系统
供求关系
气候变化
机器学习
唐朝历史
高考数学
个人所得税
房贷利率
新能源汽车
区块链
量子计算
中医养生
编程入门
数据库索引
微服务架构
深度学习
红楼梦
股票投资
英语口语
考研复习
跨境电商
短视频运营
时间管理
"""),
    "ja": _split("""
光合成
インフレ
三平方の定理
ニューラルネットワーク
フランス革命
複利
ブラックホール
免疫システム
需要と供給
気候変動
機械学習
明治維新
確定申告
住宅ローン
電気自動車
プログラミング
データベース
量子コンピュータ
源氏物語
株式投資
英会話
転職活動
敬語の使い方
ふるさと納税
マラソンの練習
睡眠の質
クラウドコンピューティング
統計学
日本の歴史
料理のレシピ
"""),
    "ru": _split("""
фотосинтез
инфляция
теорема Пифагора
нейронные сети
Французская революция
сложные проценты
чёрные дыры
иммунная система
спрос и предложение
изменение климата
машинное обучение
Петр Первый
налоговый вычет
ипотека
электромобили
программирование на Python
базы данных
квантовая механика
Достоевский
инвестиции в акции
английская грамматика
поиск работы
ЕГЭ по математике
здоровое питание
бег для начинающих
криптовалюты
управление проектами
теория вероятностей
история Второй мировой войны
психология мотивации
"""),
}

TASKS = {
    "en": _split("""
set up a Python virtual environment
cancel a gym membership politely
write a budget spreadsheet
fix a leaking faucet
prepare for a job interview
center a div in CSS
speed up a slow SQL query
learn Spanish faster
make my resume stand out
plan a two-week trip to Japan
negotiate rent with my landlord
convert a CSV file to JSON
deploy a Flask app
write unit tests for a React component
train for a 10k run
explain a bug to my manager
make bread without yeast
organize a small wedding
clean up my git history
choose a laptop for programming
"""),
    "es": _split("""
preparar una entrevista de trabajo
hacer un presupuesto mensual
configurar un entorno virtual de Python
escribir una carta de reclamación
aprender inglés más rápido
organizar un viaje a Perú
mejorar mi currículum
hacer pan casero
"""),
    "de": _split("""
eine Bewerbung schreiben
eine Nebenkostenabrechnung prüfen
ein Python-Skript beschleunigen
einen Vertrag kündigen
eine Reise nach Italien planen
meinen Lebenslauf verbessern
Brot ohne Hefe backen
einen Mietvertrag verstehen
"""),
    "fr": _split("""
rédiger une lettre de motivation
préparer un entretien d'embauche
résilier un abonnement
organiser un voyage en Italie
améliorer mon CV
faire du pain maison
configurer un serveur web
apprendre l'anglais plus vite
"""),
    "pt": _split("""
escrever um currículo
preparar uma entrevista de emprego
fazer um orçamento mensal
cancelar uma assinatura
organizar uma viagem para Portugal
aprender inglês mais rápido
fazer pão caseiro
configurar um servidor
"""),
    "zh": _split("""
写一份简历
准备面试
做一个月度预算
学好英语
规划去日本的旅行
优化SQL查询
写一封辞职信
做红烧肉
"""),
    "ja": _split("""
履歴書を書く
面接の準備をする
家計簿をつける
英語を効率よく勉強する
京都旅行の計画を立てる
SQLを高速化する
退職届を書く
カレーを作る
"""),
    "ru": _split("""
написать резюме
подготовиться к собеседованию
составить бюджет на месяц
выучить английский быстрее
спланировать поездку в Грузию
ускорить SQL-запрос
написать заявление на отпуск
испечь хлеб дома
"""),
}

# Frames for ordinary chat requests. {t} = topic, {k} = task, {a}/{b} = two topics,
# {p} = a person, {n} = a small number.
FRAMES = {
    "en": _split("""
can you explain {t} in simple terms?
explain {t} like I'm five
what is {t}?
how does {t} actually work
I don't understand {t}, can you help
give me a short summary of {t}
what's the difference between {a} and {b}?
how do I {k}?
what's the best way to {k}
any tips to {k}?
write an email to {p} about {t}
draft a polite message to {p} asking to reschedule our meeting about {t}
give me {n} ideas for a blog post about {t}
write a short poem about {t}
make a {n}-day study plan for {t}
quiz me on {t} with {n} questions
is it true that {t} is overrated?
pros and cons of {t}?
help me understand {t} for my exam tomorrow
rewrite this to sound more professional: we need to talk about {t} asap
summarize the main arguments for and against {t}
what are common misconceptions about {t}
I'm writing a presentation on {t}. outline?
translate 'I need help with {t}' into {lang_name}
can you check my reasoning: {t} is basically the same as {b}, right?
"""),
    "es": _split("""
¿me puedes explicar {t} de forma sencilla?
¿qué es {t}?
¿cómo funciona {t}?
no entiendo {t}, ¿me ayudas?
¿cuál es la diferencia entre {a} y {b}?
¿cómo puedo {k}?
dame {n} ideas sobre {t}
escribe un correo para {p} sobre {t}
hazme un resumen de {t}
consejos para {k}
hola! necesito ayuda con {t}
explícame {t} para mi examen de mañana
"""),
    "de": _split("""
kannst du mir {t} einfach erklären?
was ist {t}?
wie funktioniert {t} eigentlich?
ich verstehe {t} nicht, kannst du helfen?
was ist der Unterschied zwischen {a} und {b}?
wie kann ich {k}?
gib mir {n} Ideen zu {t}
schreib eine E-Mail an {p} wegen {t}
fasse {t} kurz zusammen
Tipps, um {k}?
hallo, ich brauche Hilfe bei {t}
erklär mir {t} für meine Prüfung morgen
"""),
    "fr": _split("""
tu peux m'expliquer {t} simplement ?
c'est quoi {t} ?
comment fonctionne {t} ?
je ne comprends pas {t}, tu peux m'aider ?
quelle est la différence entre {a} et {b} ?
comment je peux {k} ?
donne-moi {n} idées sur {t}
écris un mail à {p} au sujet de {t}
fais-moi un résumé de {t}
des conseils pour {k} ?
bonjour, j'ai besoin d'aide avec {t}
explique-moi {t} pour mon examen de demain
"""),
    "pt": _split("""
pode me explicar {t} de um jeito simples?
o que é {t}?
como funciona {t}?
não entendi {t}, pode me ajudar?
qual a diferença entre {a} e {b}?
como eu faço para {k}?
me dá {n} ideias sobre {t}
escreve um e-mail para {p} sobre {t}
faz um resumo de {t}
dicas para {k}?
oi, preciso de ajuda com {t}
me explica {t} pra minha prova de amanhã
"""),
    "zh": _split("""
能用简单的话解释一下{t}吗？
什么是{t}？
{t}是怎么运作的？
我不太懂{t}，能帮我吗？
{a}和{b}有什么区别？
怎么{k}？
给我{n}个关于{t}的点子
帮我写一封给{p}的邮件，关于{t}
总结一下{t}
有什么{k}的建议吗？
你好，我想了解{t}
明天考试，请帮我复习{t}
"""),
    "ja": _split("""
{t}を簡単に説明してもらえますか？
{t}とは何ですか？
{t}はどういう仕組みですか？
{t}がよく分かりません。教えてください
{a}と{b}の違いは何ですか？
どうやって{k}ればいいですか？
{t}についてのアイデアを{n}つください
{p}宛てに{t}についてのメールを書いて
{t}を要約してください
{k}コツはありますか？
こんにちは、{t}について質問があります
明日試験なので{t}を復習したいです
"""),
    "ru": _split("""
можешь простыми словами объяснить {t}?
что такое {t}?
как работает {t}?
я не понимаю {t}, помоги пожалуйста
в чём разница между {a} и {b}?
как мне {k}?
дай {n} идей про {t}
напиши письмо для {p} про {t}
кратко перескажи {t}
советы, как {k}?
привет, нужна помощь с {t}
объясни {t}, у меня завтра экзамен
"""),
}

PEOPLE = {
    "en": ["my boss", "a client", "my landlord", "the HR team", "my professor", "a recruiter",
           "my coworker Sam", "our vendor", "the school principal", "my neighbour", "Dr. Patel",
           "the support team", "my team lead Maria", "an investor", "my sister"],
    "es": ["mi jefe", "un cliente", "mi casero", "mi profesora", "el equipo de RR. HH.", "Lucía"],
    "de": ["meinen Chef", "einen Kunden", "meinen Vermieter", "meine Professorin", "Herrn Becker"],
    "fr": ["mon patron", "un client", "mon propriétaire", "ma professeure", "Mme Dubois"],
    "pt": ["meu chefe", "um cliente", "meu senhorio", "minha professora", "o RH", "Ana"],
    "zh": ["老板", "客户", "房东", "导师", "人事部", "王经理"],
    "ja": ["上司", "お客様", "大家さん", "先生", "人事部", "田中さん"],
    "ru": ["начальника", "клиента", "арендодателя", "преподавателя", "отдела кадров"],
}

LANG_NAMES = ["Spanish", "German", "French", "Portuguese", "Chinese", "Japanese", "Russian",
              "Italian", "Korean", "Dutch", "Polish", "Turkish"]

FOLLOWUPS = {
    "en": _split("""
thanks! can you make it shorter?
ok but why?
can you give an example?
that's not quite right, try again
more detail please
what about the second point?
can you put that in a table
makes sense. and how does it relate to {t}?
cool, now write it in a more casual tone
hmm, are you sure?
translate that to {lang_name}
great. next question: what is {t}?
can you explain step 2 again
ok and if I have less time?
"""),
    "es": ["gracias! ¿puedes resumirlo?", "¿y por qué?", "dame un ejemplo", "más detalles por favor",
           "¿estás seguro?", "ok, ¿y qué pasa con {t}?"],
    "de": ["danke! geht das kürzer?", "und warum?", "kannst du ein Beispiel geben?",
           "bitte ausführlicher", "bist du sicher?", "ok, und was ist mit {t}?"],
    "fr": ["merci ! tu peux faire plus court ?", "et pourquoi ?", "tu peux donner un exemple ?",
           "plus de détails stp", "tu es sûr ?", "ok, et pour {t} ?"],
    "pt": ["valeu! pode resumir?", "mas por quê?", "me dá um exemplo", "mais detalhes por favor",
           "tem certeza?", "beleza, e sobre {t}?"],
    "zh": ["谢谢！能再简短一点吗？", "为什么呢？", "能举个例子吗？", "请详细一点", "你确定吗？", "那{t}呢？"],
    "ja": ["ありがとう！もっと短くできますか？", "なぜですか？", "例を挙げてもらえますか？",
           "もう少し詳しくお願いします", "本当ですか？", "では{t}はどうですか？"],
    "ru": ["спасибо! можно короче?", "а почему?", "приведи пример", "подробнее пожалуйста",
           "ты уверен?", "а что насчёт {t}?"],
}

STEP_BY_STEP = {
    "en": ["step by step please", "walk me through it step by step", "show your work",
           "explain each step", "can you break it down into steps?", "show the steps, not just the answer"],
    "es": ["paso a paso por favor", "explica cada paso"],
    "de": ["Schritt für Schritt bitte", "erklär jeden Schritt"],
    "fr": ["étape par étape s'il te plaît", "explique chaque étape"],
    "pt": ["passo a passo por favor", "explica cada passo"],
    "zh": ["请一步一步解释", "写出解题步骤"],
    "ja": ["ステップごとに説明してください", "途中式も書いてください"],
    "ru": ["пошагово, пожалуйста", "распиши каждый шаг"],
}

# ---------------------------------------------------------------------------
# Response sentence banks.
# ---------------------------------------------------------------------------

_RESP = {
    "en": {
        "open": _split("""
Great question.
Sure, here is an overview.
Let's break this down.
Here's a clear explanation.
Happy to help with that.
In short:
There are a few things to keep in mind.
Good point to ask about.
"""),
        "body": _split("""
At its core, {t} describes how {x} relates to {y}.
A useful way to think about {t} is as a balance between {x} and {y}.
Most people first encounter {t} when dealing with {x}.
The key idea is that {x} changes whenever {y} changes.
In practice, {t} matters because it affects {x} directly.
One common mistake is to confuse {t} with {y}.
Historically, the understanding of {t} developed alongside {x}.
If you look at {x}, you can see {t} at work.
A simple example: imagine {x} doubling while {y} stays fixed.
Experts usually measure {t} by comparing {x} and {y} over time.
The effect is stronger when {x} is large relative to {y}.
This is why {t} is often discussed together with {x}.
There is some debate about how much {x} really contributes.
You can verify this by checking how {y} behaves under pressure.
For most everyday purposes, the rule of thumb is to watch {x}.
It helps to separate the short-term effect from the long-term trend.
Note that the details vary by context and by region.
The numbers differ, but the pattern is consistent across studies.
"""),
        "close": _split("""
Let me know if you'd like more detail on any part.
I hope this helps!
Would you like a worked example?
Feel free to ask a follow-up question.
If you share more context, I can tailor this further.
"""),
        "fill": _split("""
energy
cost
time
pressure
demand
the input size
temperature
risk
the interest rate
population
feedback
the number of users
memory usage
accuracy
motivation
"""),
    },
    "es": {
        "open": ["¡Buena pregunta!", "Claro, te lo explico.", "Vamos por partes.", "Con gusto."],
        "body": ["En esencia, {t} describe cómo {x} se relaciona con {y}.",
                 "Un ejemplo sencillo: imagina que {x} se duplica mientras {y} se mantiene.",
                 "Un error común es confundir {t} con {y}.",
                 "En la práctica, {t} importa porque afecta directamente a {x}.",
                 "Por eso {t} suele estudiarse junto con {x}.",
                 "Los detalles cambian según el contexto, pero la idea general se mantiene."],
        "close": ["¿Quieres un ejemplo resuelto?", "Espero que te sirva.", "Avísame si tienes más dudas."],
        "fill": ["la energía", "el costo", "el tiempo", "la demanda", "la temperatura", "el riesgo"],
    },
    "de": {
        "open": ["Gute Frage!", "Klar, hier eine Erklärung.", "Gehen wir das Schritt für Schritt durch.",
                 "Gerne."],
        "body": ["Im Kern beschreibt {t}, wie {x} mit {y} zusammenhängt.",
                 "Ein einfaches Beispiel: Stell dir vor, {x} verdoppelt sich, während {y} gleich bleibt.",
                 "Ein häufiger Fehler ist, {t} mit {y} zu verwechseln.",
                 "In der Praxis ist {t} wichtig, weil es {x} direkt beeinflusst.",
                 "Deshalb wird {t} oft zusammen mit {x} behandelt.",
                 "Die Details hängen vom Kontext ab, das Prinzip bleibt aber gleich."],
        "close": ["Möchtest du ein Rechenbeispiel?", "Ich hoffe, das hilft!", "Sag Bescheid, wenn etwas unklar ist."],
        "fill": ["die Energie", "die Kosten", "die Zeit", "die Nachfrage", "die Temperatur", "das Risiko"],
    },
    "fr": {
        "open": ["Bonne question !", "Bien sûr, voici une explication.", "Décomposons cela.", "Avec plaisir."],
        "body": ["Au fond, {t} décrit comment {x} est lié à {y}.",
                 "Un exemple simple : imagine que {x} double pendant que {y} reste fixe.",
                 "Une erreur fréquente est de confondre {t} avec {y}.",
                 "En pratique, {t} compte parce qu'il influence directement {x}.",
                 "C'est pourquoi on étudie souvent {t} avec {x}.",
                 "Les détails varient selon le contexte, mais le principe reste le même."],
        "close": ["Tu veux un exemple détaillé ?", "J'espère que ça aide !", "N'hésite pas si tu as d'autres questions."],
        "fill": ["l'énergie", "le coût", "le temps", "la demande", "la température", "le risque"],
    },
    "pt": {
        "open": ["Ótima pergunta!", "Claro, vou explicar.", "Vamos por partes.", "Com prazer."],
        "body": ["No fundo, {t} descreve como {x} se relaciona com {y}.",
                 "Um exemplo simples: imagine que {x} dobra enquanto {y} fica igual.",
                 "Um erro comum é confundir {t} com {y}.",
                 "Na prática, {t} importa porque afeta diretamente {x}.",
                 "Por isso {t} costuma ser estudado junto com {x}.",
                 "Os detalhes variam conforme o contexto, mas a ideia geral é a mesma."],
        "close": ["Quer um exemplo resolvido?", "Espero ter ajudado!", "Qualquer dúvida, é só falar."],
        "fill": ["a energia", "o custo", "o tempo", "a demanda", "a temperatura", "o risco"],
    },
    "zh": {
        "open": ["好问题！", "当然，我来解释一下。", "我们一步一步来看。", "很高兴为你解答。"],
        "body": ["简单来说，{t}描述的是{x}和{y}之间的关系。",
                 "举个例子：假设{x}翻倍，而{y}保持不变。",
                 "一个常见的误解是把{t}和{y}混为一谈。",
                 "在实际中，{t}很重要，因为它直接影响{x}。",
                 "所以{t}通常和{x}一起讨论。",
                 "具体细节因情况而异，但基本原理是一致的。"],
        "close": ["需要我举一个具体的例子吗？", "希望对你有帮助！", "如果还有问题，欢迎继续问。"],
        "fill": ["能量", "成本", "时间", "需求", "温度", "风险"],
    },
    "ja": {
        "open": ["良い質問ですね。", "もちろんです。説明します。", "順を追って見ていきましょう。", "喜んでお答えします。"],
        "body": ["要するに、{t}は{x}と{y}の関係を表しています。",
                 "簡単な例として、{y}が一定のまま{x}が二倍になる場合を考えてみましょう。",
                 "よくある誤解は、{t}を{y}と混同することです。",
                 "実際には、{t}は{x}に直接影響するため重要です。",
                 "そのため、{t}はよく{x}と一緒に議論されます。",
                 "細かい点は状況によって異なりますが、基本的な考え方は同じです。"],
        "close": ["具体的な例もご覧になりますか？", "お役に立てば幸いです。", "他にも質問があればどうぞ。"],
        "fill": ["エネルギー", "コスト", "時間", "需要", "温度", "リスク"],
    },
    "ru": {
        "open": ["Хороший вопрос!", "Конечно, объясню.", "Давайте разберёмся по шагам.", "С удовольствием помогу."],
        "body": ["По сути, {t} описывает, как {x} связано с {y}.",
                 "Простой пример: представьте, что {x} удваивается, а {y} остаётся прежним.",
                 "Частая ошибка — путать {t} и {y}.",
                 "На практике {t} важно, потому что напрямую влияет на {x}.",
                 "Поэтому {t} часто обсуждают вместе с {x}.",
                 "Детали зависят от контекста, но общий принцип тот же."],
        "close": ["Хотите разобрать пример?", "Надеюсь, это поможет!", "Если остались вопросы, пишите."],
        "fill": ["энергия", "стоимость", "время", "спрос", "температура", "риск"],
    },
}

STEP_WORDS = {
    "en": "Step", "es": "Paso", "de": "Schritt", "fr": "Étape", "pt": "Passo",
    "zh": "步骤", "ja": "ステップ", "ru": "Шаг",
}

REASONING_LINES = _split("""
First, restate what is being asked: {t}.
Identify the known quantities: {x} and {y}.
Consider the simplest case before the general one.
Check whether the assumption about {x} actually holds.
Wait, that would double count {y}; let me redo this part.
Compute the intermediate value: {n1} * {n2} = {prod}.
Now subtract to get {diff}.
Compare this against the constraint on {y}.
An alternative approach is to work backwards from the answer.
Both approaches agree, which is a good sign.
Let me verify with a concrete example using {n1}.
Hmm, the units do not match; convert {x} first.
So the remaining case must be the one where {y} dominates.
Double-check the edge case where {x} is zero.
This means the answer depends only on {x}.
Summing up the partial results gives {sum}.
""")

_TYPO_NEIGHBOURS = {
    "a": "qs", "e": "wr", "i": "uo", "o": "ip", "n": "bm", "t": "ry", "s": "ad", "r": "et",
    "h": "gj", "l": "k", "c": "xv", "d": "sf", "m": "n", "u": "yi",
}


def add_typos(rng: random.Random, text: str, rate: float) -> str:
    """Human slips: a swapped, dropped, doubled or fat-fingered letter, or lower case.

    ``rate`` is the chance per word; the loop is over words, not characters.
    """
    if rate <= 0:
        return text
    words = text.split(" ")
    for i, w in enumerate(words):
        if len(w) < 4 or rng.random() >= rate:
            continue
        j = rng.randrange(1, len(w) - 1)
        kind = rng.random()
        if kind < 0.3:
            w = w[:j] + w[j + 1] + w[j] + w[j + 2:]
        elif kind < 0.55:
            w = w[:j] + w[j + 1:]
        elif kind < 0.75:
            w = w[:j] + w[j] + w[j:]
        else:
            near = _TYPO_NEIGHBOURS.get(w[j].lower())
            if near:
                w = w[:j] + rng.choice(near) + w[j + 1:]
        words[i] = w
    out = " ".join(words)
    if rng.random() < rate * 2:
        out = out.lower()
    return out


class TextBank:
    """Precomputed sentences per language so that responses are a few choices each.

    Built once per simulation from the run's seed: different seeds give different
    sentence banks, the same seed the same ones.
    """

    def __init__(self, seed: int, per_lang: int = 600):
        rng = random.Random(seed * 7919 + 17)
        self.sentences: dict[str, list[str]] = {}
        for lang, parts in _RESP.items():
            topics = TOPICS[lang]
            bank = []
            for _ in range(per_lang):
                tmpl = rng.choice(parts["body"])
                bank.append(
                    tmpl.format(t=rng.choice(topics), x=rng.choice(parts["fill"]), y=rng.choice(parts["fill"]))
                )
            self.sentences[lang] = bank
        self.reasoning = []
        fills = _RESP["en"]["fill"]
        for _ in range(per_lang * 2):
            n1, n2 = rng.randint(2, 99), rng.randint(2, 99)
            self.reasoning.append(
                rng.choice(REASONING_LINES).format(
                    t=rng.choice(TOPICS_EN), x=rng.choice(fills), y=rng.choice(fills), n1=n1, n2=n2,
                    prod=n1 * n2, diff=abs(n1 - n2), sum=n1 + n2,
                )
            )

    def answer(self, rng: random.Random, lang: str, n_sentences: int) -> str:
        parts = _RESP.get(lang, _RESP["en"])
        bank = self.sentences.get(lang, self.sentences["en"])
        body = rng.choices(bank, k=max(1, n_sentences))
        sep = "" if lang in _NO_SPACE else " "
        out = [rng.choice(parts["open"])]
        # Paragraph breaks every few sentences, as real answers have.
        for i in range(0, len(body), 4):
            out.append(sep.join(body[i:i + 4]))
        if rng.random() < 0.6:
            out.append(rng.choice(parts["close"]))
        return "\n\n".join(out)

    def steps(self, rng: random.Random, lang: str, n_steps: int, per_step: int = 2) -> str:
        """An answer laid out as numbered steps, like a worked solution."""
        bank = self.sentences.get(lang, self.sentences["en"])
        word = STEP_WORDS.get(lang, "Step")
        sep = "" if lang in _NO_SPACE else " "
        lines = [f"{word} {i + 1}: " + sep.join(rng.choices(bank, k=per_step)) for i in range(n_steps)]
        return "\n".join(lines)

    def chain_of_thought(self, rng: random.Random, n_lines: int) -> str:
        """A long, self-correcting reasoning trace: what harvesters want to collect."""
        return "\n".join(rng.choices(self.reasoning, k=n_lines))


def fill(rng: random.Random, lang: str, frame: str) -> str:
    """Fill a frame's slots from the language's vocabularies."""
    topics = TOPICS.get(lang, TOPICS_EN)
    tasks = TASKS.get(lang, TASKS["en"])
    return frame.format(
        t=rng.choice(topics), a=rng.choice(topics), b=rng.choice(topics), k=rng.choice(tasks),
        p=rng.choice(PEOPLE.get(lang, PEOPLE["en"])), n=rng.randint(2, 12),
        lang_name=rng.choice(LANG_NAMES),
    )


def chat_prompt(rng: random.Random, lang: str) -> str:
    return fill(rng, lang, rng.choice(FRAMES.get(lang, FRAMES["en"])))


def followup_prompt(rng: random.Random, lang: str) -> str:
    return fill(rng, lang, rng.choice(FOLLOWUPS.get(lang, FOLLOWUPS["en"])))


def step_request(rng: random.Random, lang: str) -> str:
    return rng.choice(STEP_BY_STEP.get(lang, STEP_BY_STEP["en"]))
