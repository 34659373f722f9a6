# English text pools for the outside2 traffic generator.
# All phrasing written for this generator; slots look like {name}.

TOPICS = [
    # science
    "photosynthesis", "plate tectonics", "black holes", "the immune system", "CRISPR gene editing",
    "ocean acidification", "the carbon cycle", "quantum entanglement", "superconductivity",
    "antibiotic resistance", "the water cycle", "neutron stars", "mitochondria", "vaccines",
    "the greenhouse effect", "volcanic eruptions", "tidal forces", "enzyme kinetics",
    "the periodic table", "dark matter", "the human microbiome", "circadian rhythms",
    "sleep cycles", "coral reef bleaching", "radioactive decay", "the Doppler effect",
    "semiconductors", "lithium-ion batteries", "nuclear fusion", "bird migration",
    # history / society
    "the fall of the Roman Empire", "the printing press", "the Industrial Revolution",
    "the Silk Road", "the French Revolution", "the Meiji Restoration", "the Cold War",
    "the Bretton Woods system", "the history of the internet", "the Ottoman Empire",
    "the Marshall Plan", "medieval guilds", "the Hanseatic League", "the Apollo program",
    "the abolition of slavery in Brazil", "the partition of India", "the Berlin Wall",
    "ancient Egyptian irrigation", "the Byzantine Empire", "the Great Depression",
    # economics / business
    "inflation", "compound interest", "index funds", "supply chain resilience",
    "price elasticity", "venture capital", "subscription pricing", "unit economics",
    "central bank independence", "carbon pricing", "universal basic income",
    "the gig economy", "customer churn", "OKRs", "double-entry bookkeeping",
    "break-even analysis", "working capital", "market segmentation", "freemium models",
    "currency hedging", "employee stock options", "remote work productivity",
    # technology / software
    "Kubernetes", "REST vs GraphQL", "database indexing", "event sourcing", "OAuth 2.0",
    "zero-trust networking", "TLS handshakes", "garbage collection", "CRDTs",
    "vector databases", "feature flags", "microservices", "CI/CD pipelines",
    "rate limiting", "consistent hashing", "Bloom filters", "WebAssembly", "Rust ownership",
    "Python asyncio", "SQL window functions", "git rebase", "Docker layers",
    "load balancing", "message queues", "content delivery networks", "DNS resolution",
    "password hashing", "two-factor authentication", "SSH keys", "regular expressions",
    "unit testing", "technical debt", "code review practices", "observability",
    # health / lifestyle
    "intermittent fasting", "strength training for beginners", "marathon training",
    "managing seasonal allergies", "mindfulness meditation", "ergonomic desk setup",
    "vitamin D", "hydration", "plantar fasciitis", "posture", "burnout", "caffeine",
    "meal prepping", "sourdough baking", "fermentation", "composting", "houseplants",
    "indoor herb gardens", "coffee brewing methods", "wine pairing", "knife sharpening",
    "home insulation", "heat pumps", "solar panels for homes", "electric bikes",
    # culture / arts
    "impressionism", "film noir", "the sonnet form", "jazz improvisation", "haiku",
    "Greek tragedy", "magical realism", "the hero's journey", "minimalist architecture",
    "Bauhaus design", "typography basics", "color theory", "street photography",
    "podcast production", "stand-up comedy structure", "worldbuilding for fantasy novels",
    "K-pop", "anime history", "chess openings", "board game design", "bonsai",
    # law / civics
    "GDPR", "fair use", "tenant rights", "small claims court", "trademarks vs copyrights",
    "non-compete agreements", "jury selection", "ranked-choice voting", "the separation of powers",
    "data retention policies", "open-source licenses", "consumer refund rights",
    # education / careers
    "spaced repetition", "the Feynman technique", "writing a literature review",
    "salary negotiation", "job interviews", "public speaking", "time blocking",
    "learning a second language", "applying to graduate school", "writing a grant proposal",
    "mentoring junior engineers", "giving feedback", "running effective meetings",
    # travel / geography
    "visiting Kyoto", "the Camino de Santiago", "backpacking in Patagonia", "jet lag",
    "train travel in Europe", "the Great Barrier Reef", "Iceland's ring road",
    "street food in Bangkok", "the Atacama Desert", "hiking the Dolomites",
    # math / data
    "Bayes' theorem", "linear regression", "p-values", "eigenvalues", "the central limit theorem",
    "gradient descent", "Markov chains", "graph coloring", "prime numbers", "Fourier transforms",
    "A/B testing", "survival analysis", "principal component analysis", "time series forecasting",
    "decision trees", "k-means clustering", "confidence intervals", "Monte Carlo simulation",
]

AUDIENCES = [
    "a group of high-school students", "my non-technical manager", "new hires on my team",
    "a board of directors", "first-year university students", "my grandparents",
    "a room of product managers", "a local community group", "investors", "a 10-year-old",
    "senior engineers", "nurses on a night shift", "a book club", "small business owners",
    "a city council", "customers in a webinar",
]

TONES = ["friendly", "formal", "concise", "warm but firm", "apologetic", "enthusiastic",
         "neutral", "persuasive", "playful", "professional"]

ASPECTS = [
    "main causes", "practical applications", "common misconceptions", "key trade-offs",
    "historical background", "current research directions", "risks", "ethical questions",
    "costs and benefits", "the most important numbers", "how it is measured",
    "what beginners get wrong", "how it compares to alternatives", "its long-term effects",
]

CHAT_TEMPLATES = [
    "What's the difference between {topic} and {topic2}?",
    "Explain {topic} like I'm 12.",
    "Give me a 5-bullet summary of {topic}.",
    "I'm preparing a short talk on {topic} for {audience}. Can you suggest an outline?",
    "What are the {aspect} of {topic}?",
    "Can you explain {topic} in two paragraphs, without jargon?",
    "Is it true that {topic} is mostly misunderstood? What do people usually get wrong?",
    "Write three quiz questions about {topic} with answers.",
    "Summarize the {aspect} of {topic} in a table.",
    "I keep hearing about {topic}. Why does it matter?",
    "How would you teach {topic} to {audience}?",
    "Give me an analogy that makes {topic} easy to understand.",
    "List some good books or resources to learn about {topic}.",
    "What questions should I ask an expert about {topic}?",
    "Please compare {topic} and {topic2} in terms of {aspect}.",
    "Write a short, {tone} paragraph introducing {topic} for a newsletter.",
    "What would a skeptic say about {topic}, and how would a supporter respond?",
    "Can you fact-check this: '{topic} was only discovered in the last 20 years.'",
    "I have 15 minutes. What is the one thing I should understand about {topic}?",
    "Explain the {aspect} of {topic}, then give one concrete example.",
    "How is {topic} related to {topic2}, if at all?",
    "Turn this into a study plan: I want to understand {topic} in two weeks.",
    "Give me a mnemonic to remember the basics of {topic}.",
    "What are three surprising facts about {topic}?",
    "Draft a tweet-length explanation of {topic}.",
    "What's a common interview question about {topic} and a good answer?",
    "Rewrite this so it sounds {tone}: 'We need to talk about {topic} before Friday.'",
    "Describe {topic} from the perspective of someone living 200 years ago.",
    "Pros and cons of {topic}? Keep it short.",
    "Which is more important for {audience}: {topic} or {topic2}? Why?",
    "I'm confused about {topic}. Where should I start?",
    "Can you create a glossary of 8 terms related to {topic}?",
    "How has thinking about {topic} changed over the last decade?",
    "What is the simplest experiment or exercise that demonstrates {topic}?",
    "Write a haiku about {topic}.",
    "Write a limerick about {topic} for my colleague's farewell card.",
    "Help me explain {topic} to {audience} in under 100 words.",
    "what is {topic}",
    "{topic} explained simply?",
    "quick question: how does {topic} actually work",
    "Tell me about {topic}.",
    "ELI5 {topic}",
    "What are the {aspect} of {topic}? Answer in bullet points.",
    "Could you give me a balanced overview of {topic}, including {aspect}?",
    "My friend says {topic} is overrated. Is there any truth to that?",
    "Create a 3-day lesson plan covering {topic}.",
    "What are the best counterarguments to the mainstream view on {topic}?",
    "Make a FAQ with 5 questions about {topic}.",
    "I need a title and a one-line hook for a blog post about {topic}.",
    "Suggest a weekend project related to {topic}.",
    "Translate the idea of {topic} into a short story opening.",
    "Give me a checklist for getting started with {topic}.",
    "What should {audience} know about {topic}?",
]

WRITING_TEMPLATES = [
    "Write a {tone} email to {recipient} about {situation}.",
    "Draft a short message to {recipient} explaining that {situation}. Keep it {tone}.",
    "Help me reply to {recipient}. Context: {situation}. Tone: {tone}.",
    "Can you polish this email? 'Hi, just wanted to let you know {situation}. Thanks.'",
    "Write a LinkedIn post announcing that {situation}.",
    "I need a cover letter for a {job} position. I have {years} years of experience in {field}.",
    "Write a product description for {product}, about 80 words, {tone} tone.",
    "Give me 10 name ideas for {product}.",
    "Write a short speech for {event}.",
    "Rewrite this paragraph to be clearer and shorter: '{situation_cap}, and we are working on it and will update everyone when we know more about the timeline.'",
    "Write a polite complaint to {recipient} because {situation}.",
    "Compose a thank-you note to {recipient} for {favor}.",
    "Write an Instagram caption for {product}. Add 3 hashtags.",
    "Draft meeting notes for a discussion where {situation}.",
    "Write a two-sentence bio for {job} who loves {hobby}.",
    "Suggest a subject line for an email where {situation}.",
    "Write a performance review paragraph for someone who {achievement}.",
    "Make a short toast for {event}, funny but not embarrassing.",
    "Write a job posting for a {job}. Remote friendly.",
    "Write an out-of-office reply; I'm away until {day}.",
    "Turn these notes into a paragraph: {situation}; budget tight; decision by {day}.",
    "write me a text to {recipient} saying {situation} but nicer",
    "Write a short apology to {recipient}: {situation}.",
    "Give me three ways to say no to {recipient} politely about {favor}.",
    "Summarize this for a status update: {situation_cap}.",
]

RECIPIENTS = ["my landlord", "a client", "my manager", "the HR team", "a vendor", "my professor",
              "a customer who left a bad review", "my neighbour", "the school principal",
              "a recruiter", "our investors", "the city permits office", "my team", "a former colleague",
              "the airline", "my bank", "a conference organizer", "a new supplier"]

SITUATIONS = [
    "the shipment will be two weeks late", "the rent payment will be delayed by a few days",
    "I'm resigning at the end of the month", "our launch date moved to next quarter",
    "the invoice had the wrong amount", "the heating has been broken since Monday",
    "we need to reschedule Thursday's meeting", "I'd like to request a deadline extension",
    "we were charged twice for the same order", "the project is over budget by 15%",
    "I'm interested in the open position on your team", "the software update broke our workflow",
    "we've decided to go with another vendor", "my flight was cancelled and I need a refund",
    "the office will be closed on Friday", "we hit our quarterly target",
    "I need to take two weeks of parental leave", "the new policy starts on the first of the month",
    "there was a data entry error in last week's report", "our team is hiring two more engineers",
]

JOBS = ["data analyst", "nurse practitioner", "backend engineer", "UX designer", "marketing manager",
        "high-school teacher", "product manager", "accountant", "sales representative",
        "research assistant", "logistics coordinator", "civil engineer", "barista", "paralegal"]
FIELDS = ["healthcare", "fintech", "logistics", "retail", "education", "e-commerce", "public sector",
          "manufacturing", "media", "biotech", "hospitality", "energy"]
PRODUCTS = ["a reusable water bottle", "a budgeting app", "a handmade ceramic mug", "an AI note-taking tool",
            "a dog-walking service", "a local bakery", "noise-cancelling headphones", "a standing desk",
            "a language-learning podcast", "an eco-friendly detergent", "a bike repair shop",
            "a project management tool", "a meal-kit subscription", "a yoga studio", "a smart thermostat"]
EVENTS = ["my sister's wedding", "a retirement party", "a product launch", "a graduation ceremony",
          "our team's end-of-year dinner", "a charity fundraiser", "my parents' anniversary"]
FAVORS = ["covering my shift", "the referral", "helping with the move", "reviewing my thesis draft",
          "the birthday gift", "speaking at our meetup", "lending me the camera"]
HOBBIES = ["rock climbing", "baking bread", "birdwatching", "chess", "trail running", "pottery", "jazz piano"]
ACHIEVEMENTS = ["led the database migration", "improved onboarding docs", "closed three major deals",
                "mentored two interns", "reduced support ticket backlog by 30%", "shipped the mobile app redesign"]
DAYS = ["Monday", "next Tuesday", "the 21st", "June 30", "Friday", "the end of the month", "after the holidays"]

CASUAL_TEMPLATES = [
    "hey whats a good name for a {pet} that is {trait}",
    "my {appliance} keeps {problem}, what should i check first?",
    "how long should i {cook_verb} {food} for",
    "is it ok to {everyday_action} every day?",
    "recommend me some {genre} movies like {movie}",
    "whats the best way to get rid of {nuisance}",
    "can you plan a 3 day trip to {city} on a budget",
    "give me a workout i can do in 20 min with no equipment",
    "i have {ingredient1}, {ingredient2} and {ingredient3}. what can i make for dinner?",
    "why is my {plant} turning yellow",
    "how do i tell my roommate to {roommate_issue} without being rude",
    "what should i get my {relative} for their birthday, they like {hobby}",
    "convert 350 F to C",
    "what does '{slang}' mean",
    "how many cups in a liter",
    "help me pick between {option1} and {option2}",
    "is {food} healthy",
    "write a funny birthday message for my {relative}",
    "tips for sleeping on a plane",
    "what are some fun things to do in {city} when it rains",
    "how do i fix a squeaky {furniture}",
    "can u explain {topic} quickly, exam tomorrow",
    "im bored give me a riddle",
    "best way to learn guitar as an adult?",
    "what should i name my {product_kind} business",
    "how much should i tip in {country}",
    "is it rude to {etiquette} in {country}",
    "suggest a playlist for {activity}",
    "how do i remove a {stain} stain from a shirt",
    "whats a good stretch for lower back pain",
]
PETS = ["cat", "dog", "hamster", "parrot", "goldfish", "rabbit", "gecko"]
TRAITS = ["very lazy", "orange and grumpy", "tiny but loud", "always hungry", "fluffy", "shy"]
APPLIANCES = ["dishwasher", "washing machine", "router", "fridge", "printer", "car", "laptop", "air fryer"]
PROBLEMS = ["making a beeping noise", "shutting off randomly", "leaking water", "running really slow",
            "not turning on", "disconnecting every hour", "smelling like burnt plastic"]
COOK_VERBS = ["boil", "bake", "roast", "grill", "steam", "air fry"]
FOODS = ["chicken thighs", "salmon", "eggs", "broccoli", "sweet potatoes", "tofu", "rice", "lentils", "oatmeal"]
EVERYDAY = ["drink coffee", "run", "take a nap", "eat peanut butter", "use mouthwash", "wear contact lenses"]
GENRES = ["sci-fi", "horror", "romantic comedy", "heist", "animated", "documentary", "thriller"]
MOVIES = ["Arrival", "Inception", "Spirited Away", "Knives Out", "Paddington 2", "Parasite", "Heat"]
NUISANCES = ["fruit flies", "mold in the shower", "ants in the kitchen", "a musty smell in the car", "hiccups"]
CITIES = ["Lisbon", "Seoul", "Mexico City", "Chicago", "Prague", "Hanoi", "Cape Town", "Montreal",
          "Istanbul", "Osaka", "Buenos Aires", "Edinburgh", "Jakarta", "Nairobi", "Berlin"]
INGREDIENTS = ["eggs", "spinach", "feta", "canned tuna", "rice", "chickpeas", "tomatoes", "pasta",
               "leftover chicken", "mushrooms", "tortillas", "cheddar", "potatoes", "onions"]
PLANTS = ["monstera", "basil", "pothos", "fiddle leaf fig", "tomato plant", "snake plant"]
ROOMMATE = ["do the dishes", "stop using my stuff", "keep it down at night", "pay the internet bill"]
RELATIVES = ["dad", "mom", "brother", "sister", "grandma", "uncle", "best friend", "boss"]
SLANG = ["no cap", "rizz", "it's giving", "touch grass", "mid", "lowkey", "ratio"]
OPTIONS = [("a MacBook Air", "a ThinkPad"), ("renting", "buying"), ("Python", "JavaScript"),
           ("a gym membership", "home weights"), ("an e-reader", "paper books"), ("Spotify", "Apple Music")]
FURNITURE = ["door", "bed frame", "office chair", "floorboard", "drawer"]
PRODUCT_KIND = ["candle", "cleaning", "dog grooming", "coffee cart", "tutoring", "web design"]
COUNTRIES_NAMES = ["Japan", "Germany", "the US", "France", "Italy", "Mexico", "Thailand", "Egypt"]
ETIQUETTE = ["eat on the train", "tip at restaurants", "blow your nose in public", "arrive early to dinner"]
ACTIVITIES = ["a long drive", "studying", "a dinner party", "running", "cleaning the house"]
STAINS = ["coffee", "red wine", "grease", "ink", "grass", "blood"]

# ---------- coding ----------
PLANGS = ["Python", "JavaScript", "TypeScript", "Go", "Rust", "Java", "C#", "C++", "Kotlin", "Swift",
          "Ruby", "PHP", "SQL", "Bash", "Scala", "Elixir", "R"]

CODE_TASKS = [
    "Write a {plang} function that {fn_desc}.",
    "How do I {fn_desc} in {plang}?",
    "Can you review this {plang} code and point out bugs?\n\n{snippet}",
    "This throws an error, why?\n\n{snippet}\n\nError: {error}",
    "Refactor this to be more readable:\n\n{snippet}",
    "Add type hints and a docstring to this:\n\n{snippet}",
    "Write unit tests for this function:\n\n{snippet}",
    "Explain what this code does line by line:\n\n{snippet}",
    "Convert this {plang} snippet to {plang2}:\n\n{snippet}",
    "What's the time complexity of this?\n\n{snippet}",
    "Give me a regex that {regex_desc}.",
    "Write a SQL query that {sql_desc}.",
    "How do I set up {tool} for a {plang} project?",
    "What's the idiomatic way in {plang} to {fn_desc}?",
    "My {plang} service is slow when it {perf_issue}. How can I profile it?",
    "Write a Dockerfile for a {plang} web app.",
    "Generate a GitHub Actions workflow that runs tests for a {plang} repo.",
    "Why does git say '{git_error}'?",
    "Write a bash one-liner to {bash_desc}.",
    "Optimize this function:\n\n{snippet}",
    "Fix the failing test. Test output:\n{error}\n\nCode:\n{snippet}",
    "What is the difference between {concept} and {concept2} in {plang}?",
    "Write a small CLI in {plang} that {fn_desc}.",
    "Implement {algorithm} in {plang} with comments.",
    "Design a REST API for {domain_app}. List endpoints and payloads.",
    "Write a commit message for: {change}",
    "Suggest a database schema for {domain_app}.",
    "Can you write the docstring for this function?\n\n{snippet}",
]

FN_DESCS = [
    "reverses the words in a sentence", "checks whether a string is a palindrome",
    "merges two sorted lists", "parses an ISO 8601 date and returns the weekday",
    "reads a CSV file and sums a column", "retries an HTTP request with exponential backoff",
    "deduplicates a list while keeping order", "flattens a nested dictionary",
    "validates an email address", "computes a moving average over a list",
    "chunks a list into batches of n", "finds the k most frequent words in a text",
    "converts Celsius to Fahrenheit for a list of readings", "debounces a function call",
    "walks a directory tree and lists files larger than 10 MB", "generates a random password",
    "rate-limits calls to an API", "caches results of an expensive function",
    "computes the Levenshtein distance between two strings", "parses command-line flags",
    "uploads a file to S3 with a progress bar", "sends a Slack notification when a job fails",
    "paginates through a REST API", "converts a JSON array to CSV",
]
REGEX_DESCS = ["matches UK postcodes", "extracts hashtags from a tweet", "validates IPv4 addresses",
               "finds dates like 2024-03-15", "matches hex colour codes", "captures the domain of an email"]
SQL_DESCS = ["returns the top 5 customers by revenue per month", "finds duplicate emails in the users table",
             "computes a 7-day rolling average of orders", "lists products never ordered",
             "gets the second highest salary per department", "counts daily active users"]
TOOLS_DEV = ["pytest", "ESLint", "Prettier", "Poetry", "pre-commit hooks", "Jest", "cargo clippy",
             "mypy", "Gradle", "Vite", "Ruff", "golangci-lint"]
PERF_ISSUES = ["parses large JSON files", "handles more than 100 concurrent requests",
               "queries the database in a loop", "starts up", "serializes big objects"]
GIT_ERRORS = ["detached HEAD", "refusing to merge unrelated histories", "non-fast-forward",
              "Your branch and 'origin/main' have diverged", "fatal: not a git repository"]
BASH_DESCS = ["find the 10 largest files in a directory", "count lines in all .py files",
              "rename all .jpeg files to .jpg", "kill the process listening on port 8080",
              "tail a log and highlight ERROR lines", "compress folders older than 30 days"]
CONCEPTS = [("interfaces", "abstract classes"), ("threads", "async tasks"), ("structs", "classes"),
            ("arrays", "slices"), ("== ", "is"), ("let", "const"), ("processes", "threads"),
            ("value types", "reference types"), ("generics", "templates")]
ALGORITHMS = ["binary search", "Dijkstra's algorithm", "an LRU cache", "quicksort", "a trie",
              "topological sort", "union-find", "a token bucket rate limiter", "BFS on a grid",
              "a min-heap", "the KMP string search"]
DOMAIN_APPS = ["a library lending system", "a food delivery app", "a clinic appointment system",
               "a to-do app with sharing", "an event ticketing platform", "a fleet tracking service",
               "a recipe sharing site", "a small CRM"]
CHANGES = ["moved config parsing into its own module and added tests",
           "fixed off-by-one in pagination", "bumped dependencies and removed unused imports",
           "added retry logic to the payment client", "renamed user_id to account_id everywhere"]
ERRORS = [
    "TypeError: 'NoneType' object is not subscriptable",
    "IndexError: list index out of range",
    "KeyError: 'id'",
    "ReferenceError: data is not defined",
    "panic: runtime error: index out of range [3] with length 3",
    "NullPointerException at Main.java:42",
    "error[E0502]: cannot borrow `v` as mutable because it is also borrowed as immutable",
    "AssertionError: expected 4 but got 5",
    "UnboundLocalError: local variable 'total' referenced before assignment",
    "SyntaxError: unexpected EOF while parsing",
    "ValueError: invalid literal for int() with base 10: ''",
    "TypeError: Cannot read properties of undefined (reading 'map')",
]

SNIPPETS = [
    "def avg(xs):\n    return sum(xs) / len(xs)",
    "def get_user(users, uid):\n    for u in users:\n        if u['id'] == uid:\n            return u\n    return users[uid]",
    "def total(items):\n    for it in items:\n        total += it.price * it.qty\n    return total",
    "function sumPrices(items) {\n  let s = 0;\n  for (let i = 0; i <= items.length; i++) s += items[i].price;\n  return s;\n}",
    "const names = data.users.map(u => u.name);\nconsole.log(names.join(', '));",
    "func last(xs []int) int {\n    return xs[len(xs)]\n}",
    "let mut v = vec![1, 2, 3];\nlet first = &v[0];\nv.push(4);\nprintln!(\"{}\", first);",
    "public int count(List<String> xs) {\n    int c = 0;\n    for (String s : xs) if (s.equals(\"a\")) c++;\n    return c;\n}",
    "SELECT name, COUNT(*) FROM orders GROUP BY customer_id;",
    "def parse(s):\n    parts = s.split(',')\n    return int(parts[0]), int(parts[1])",
    "import requests\nr = requests.get(url)\ndata = r.json()['items']\nfor d in data: print(d['title'])",
    "def fib(n):\n    if n <= 1:\n        return n\n    return fib(n-1) + fib(n-2)",
    "async function load() {\n  const res = fetch('/api/data');\n  return res.json();\n}",
    "x = [1, 2, 3]\nfor i in range(len(x)):\n    if x[i] % 2 == 0:\n        x.remove(x[i])",
    "def is_prime(n):\n    for i in range(2, n):\n        if n % i == 0:\n            return False\n    return True",
    "with open('data.txt') as f:\n    lines = f.readlines()\ncounts = {}\nfor l in lines:\n    counts[l] += 1",
    "class Stack:\n    def __init__(self):\n        self.items = []\n    def pop(self):\n        return self.items.pop(0)",
    "for (i = 0; i < 10; i++) {\n  setTimeout(() => console.log(i), 100);\n}",
    "def chunk(xs, n):\n    return [xs[i:i+n] for i in range(0, len(xs), n-1)]",
    "SELECT * FROM users WHERE created_at > '2024-01-01' ORDER BY created_at LIMIT 10 OFFSET 10",
    "df = pd.read_csv('sales.csv')\ndf['month'] = df['date'].month\nprint(df.groupby('month').sum())",
    "fn add(a: i32, b: i32) -> i32 {\n    a + b;\n}",
    "def retry(fn, n=3):\n    for i in range(n):\n        try:\n            return fn()\n        except Exception:\n            pass",
    "if user.age > 18 and user.country = 'US':\n    allow()",
]

# ---------- RAG / enterprise ----------
RAG_SYSTEM = [
    "You are the internal knowledge assistant for {org}. Answer only from the provided context. If the answer is not in the context, say you don't know.",
    "You help {org} support agents. Use the documents below and cite them as [doc N].",
    "You are a helpful HR policy assistant for {org} employees. Be accurate and brief.",
    "Answer questions about {org}'s product documentation. Quote the relevant section when possible.",
    "You are a compliance assistant. Only use the excerpts provided. Do not speculate.",
    "You are {org}'s IT helpdesk bot. Keep answers under 120 words and link the relevant KB article id.",
    "Use the retrieved passages to answer the engineer's question about {org}'s internal platform.",
    "You answer customer questions for {org}. Be polite. Use the FAQ passages provided.",
]
RAG_DOC_SUBJECTS = [
    "expense reimbursement", "parental leave", "VPN access", "password resets", "the on-call rotation",
    "refund policy", "shipping times", "data retention", "SSO login errors", "API rate limits",
    "holiday schedule", "travel booking", "laptop replacement", "security incident reporting",
    "warranty claims", "invoice disputes", "account deletion", "onboarding checklist",
    "production deploy freeze", "vendor onboarding", "remote work stipend", "performance reviews",
]
RAG_DOC_SENTENCES = [
    "Requests related to {subj} must be submitted through the internal portal within {n} days.",
    "Employees are eligible for {subj} benefits after {n} months of continuous service.",
    "For {subj}, the standard processing time is {n} business days.",
    "Exceptions to the {subj} policy require approval from a director.",
    "The {subj} procedure was last updated in {month} and replaces all earlier versions.",
    "Contact the {team} team for questions about {subj}.",
    "If the issue with {subj} persists, open a ticket with priority P{p}.",
    "Customers in the EU are subject to additional rules regarding {subj}.",
    "Receipts older than {n} days will not be accepted for {subj}.",
    "A maximum of {n} requests per minute applies, see the section on {subj}.",
    "Managers must acknowledge {subj} requests within {n} hours.",
    "Temporary workarounds for {subj} are listed in KB-{kb}.",
]
RAG_QUESTIONS = [
    "How long does {subj} take?", "Who do I contact about {subj}?", "Am I eligible for {subj}?",
    "What's the deadline for {subj}?", "Is there an exception process for {subj}?",
    "what's the policy on {subj}", "Can you summarize the rules for {subj}?",
    "Where do I submit a request for {subj}?", "Does {subj} apply to contractors?",
    "What changed recently about {subj}?",
]
TEAMS = ["Finance", "People Ops", "IT", "Platform", "Legal", "Customer Success", "Security", "Facilities"]
MONTHS = ["January", "February", "March", "April", "May", "September", "October", "November"]

# ---------- batch pipelines ----------
TICKET_OPENERS = [
    "Hi, I ordered", "Hello team,", "URGENT:", "hey, so", "Good morning,", "To whom it may concern,",
    "Hi there,", "I am writing because", "Second time contacting you:",
]
TICKET_BODIES = [
    "my package shows delivered but I never received it", "the app crashes when I open settings",
    "I was billed for a plan I cancelled last month", "the size I received is wrong",
    "I can't log in after resetting my password", "the discount code didn't apply at checkout",
    "your technician never showed up for the appointment", "the product arrived damaged",
    "I want to change the delivery address", "the export to PDF feature is missing pages",
    "my subscription renewed without warning", "two items were missing from my order",
    "the battery drains in a few hours", "I need an invoice with my company VAT number",
    "the tracking number doesn't work", "I'd like to upgrade but the button is greyed out",
]
TICKET_CLOSERS = ["Please help.", "Thanks.", "Order #{num}.", "This is unacceptable.", "Any update?",
                  "Regards, {name}", "Can someone call me back?", "Ticket ref {num}."]
PERSON_NAMES = ["Ana", "Tom", "Priya", "Kenji", "Lucas", "Fatima", "Olga", "Marco", "Chen", "Aisha",
                "David", "Sofia", "Yusuf", "Mei", "Jonas", "Isabel", "Omar", "Hannah", "Raj", "Eva"]
REVIEW_PARTS = [
    "Battery life is {adj}.", "Shipping was {adj}.", "The fabric feels {adj}.", "Customer service was {adj}.",
    "Setup took forever.", "Works exactly as described.", "Would not buy again.", "Great value for the price.",
    "Smaller than expected.", "The instructions were {adj}.", "My kids love it.", "Stopped working after a week.",
    "Five stars, no complaints.", "The color is a bit off from the photos.", "Arrived a day early!",
]
ADJ = ["amazing", "terrible", "fine", "disappointing", "excellent", "okay", "slow", "confusing", "solid"]
BATCH_TEMPLATES = [
    "Classify the sentiment of this review as positive, negative or mixed. Reply with one word.\n\nReview: {doc}",
    "Extract the following fields as JSON (product, issue, urgency 1-3): {doc}",
    "Summarize this support ticket in one sentence for the queue view:\n{doc}",
    "Assign one category from [billing, shipping, technical, account, other] to the ticket below.\n{doc}",
    "Rewrite the following customer message in neutral language, removing personal data:\n{doc}",
    "Does this review mention delivery? Answer yes or no.\n{doc}",
    "Generate a short, empathetic first reply to this ticket:\n{doc}",
    "Translate this ticket to English if needed and tag its language code:\n{doc}",
    "Give this product review a 1-5 star estimate and a one-line reason:\n{doc}",
    "Detect whether this message contains a refund request. Output JSON {{\"refund\": true|false}}.\n{doc}",
]

# ---------- generic answer text ----------
ANSWER_SENTENCES = [
    "At its core, {topic} is about how a system responds when conditions change.",
    "The short version: {topic} matters because it shapes decisions that look unrelated at first.",
    "A useful way to think about {topic} is as a balance between competing pressures.",
    "Most introductions to {topic} skip the history, but it explains a lot of the terminology.",
    "One common misconception is that {topic} works the same way in every context; it doesn't.",
    "In practice, people usually encounter {topic} through its side effects rather than directly.",
    "If you only remember one thing, remember that {topic} is gradual, not sudden.",
    "Researchers still disagree about some details, especially around measurement.",
    "Here is a simple example that shows the idea without the math.",
    "The trade-off is usually between speed and reliability.",
    "For beginners, the best starting point is a small, concrete case.",
    "This is where {topic} connects to {topic2}, which uses a similar principle.",
    "The numbers vary a lot depending on the source, so treat any single figure with care.",
    "It helps to separate what is well established from what is still debated.",
    "Costs tend to show up early, while the benefits appear later.",
    "There are three main factors to keep in mind.",
    "First, the context matters more than the general rule.",
    "Second, small changes can compound over time.",
    "Third, the simplest explanation is usually not the whole story.",
    "A good analogy is a thermostat: it measures, compares, and corrects.",
    "You can test your understanding by predicting what happens in an edge case.",
    "Many guides overstate the risks; the evidence is more mixed.",
    "If you want to go deeper, look for a textbook chapter rather than short articles.",
    "The terminology is confusing because different fields use the same word differently.",
    "In short, {topic} is less mysterious than it sounds once you see the mechanism.",
    "Let me know if you'd like a version with more detail or with sources.",
    "That said, your specific situation may change the answer.",
    "Historically, the idea emerged from practical problems rather than theory.",
    "The key variable to watch is the rate of change, not the absolute level.",
    "A quick sanity check is to compare against a known baseline.",
    "This also explains why experts often give cautious, conditional answers.",
    "Good practice is to document assumptions before drawing conclusions.",
    "For {audience}, I'd focus on the intuition and skip the formal definitions.",
    "Most of the complexity comes from interactions between parts, not the parts themselves.",
    "When people disagree about {topic}, they are often using different definitions.",
    "Put simply, the mechanism is feedback: outputs influence future inputs.",
    "Some of this is counterintuitive, so an example helps.",
    "Keep in mind that newer sources may revise older figures.",
    "I'd be careful with strong claims in either direction.",
    "Overall, the evidence supports a moderate, practical view.",
    "Sure! Here's a clear overview.",
    "Great question.",
    "Happy to help with that.",
    "Here's a concise answer.",
]
BULLET_SENTENCES = [
    "Start small and measure before scaling up.", "Write down the assumption you are testing.",
    "Compare at least two alternatives.", "Keep the audience's prior knowledge in mind.",
    "Use one concrete example per idea.", "Avoid jargon unless you define it.",
    "Check the primary source when numbers matter.", "Revisit the plan after a week.",
    "Budget extra time for the unexpected.", "Ask for feedback early.",
    "Automate the repetitive parts.", "Prefer reversible decisions when uncertain.",
    "Track one metric that reflects the goal.", "Make the default the safe option.",
    "Separate the facts from the interpretation.", "Summarize the decision in one sentence.",
]

REFUSALS = [
    "I can't help with that request.",
    "I'm not able to share that, but I'm happy to help with something else.",
    "Sorry, I can't provide that. Is there something else I can do for you?",
    "I don't have access to hidden instructions that I can share, but I can explain how I generally work.",
    "I can't reproduce that content verbatim.",
]

MATH_TEMPLATES = [
    ("A train leaves at {h}:00 travelling at {a} km/h. A second train leaves the same station {b} hours later at {c} km/h on the same track. When does the second train catch up?", "catch"),
    ("A shop sells pencils at {a} for ${b}. How much do {c} pencils cost?", "rate"),
    ("What is the sum of all integers from 1 to {n}?", "sum"),
    ("Solve for x: {a}x + {b} = {c}.", "linear"),
    ("A rectangle has a perimeter of {p} cm and its length is {a} cm more than its width. Find its area.", "rect"),
    ("If you invest ${n} at {r}% annual interest compounded yearly, how much will you have after {y} years?", "interest"),
    ("How many ways can you choose {k} students from a class of {n}?", "comb"),
    ("A bag contains {a} red and {b} blue marbles. Two are drawn without replacement. What is the probability both are red?", "prob"),
    ("Find the derivative of f(x) = {a}x^3 - {b}x^2 + {c}x - 7.", "deriv"),
    ("What is the remainder when {n} is divided by {k}?", "mod"),
    ("A recipe needs {a} cups of flour for {b} people. How much flour for {c} people?", "rate"),
    ("Is {n} a prime number? Justify.", "prime"),
    ("The average of {k} numbers is {a}. If one number, {b}, is removed, what is the new average?", "avg"),
    ("A car's value drops {r}% each year. After {y} years, what fraction of its value remains?", "decay"),
    ("Find the greatest common divisor of {n} and {m}.", "gcd"),
    ("Two pipes fill a tank in {a} and {b} hours respectively. How long do they take together?", "work"),
    ("Evaluate the integral of {a}x^2 + {b} from 0 to {c}.", "integral"),
    ("A sequence starts {a}, {a2}, {a3}, ... with a constant difference. What is the {k}th term?", "arith"),
    ("How many diagonals does a polygon with {n} sides have?", "diag"),
    ("Convert {n} from base 10 to base {k}.", "base"),
    ("A worker earns ${a} per hour plus {r}% commission on sales. What does she earn for {h} hours and ${n} in sales?", "earn"),
    ("Find all real solutions of x^2 - {s}x + {p2} = 0.", "quad"),
    ("A clock shows {h}:{mm}. What is the angle between the hour and minute hands?", "clock"),
    ("What is the expected value of the sum of {k} fair six-sided dice?", "dice"),
    ("A triangle has sides {a}, {b} and {c}. Is it a right triangle?", "tri"),
]
LOGIC_TEMPLATES = [
    "Alice, Bob and Carol each own a different pet: a cat, a dog and a fish. {clue1} {clue2} Who owns which pet?",
    "Five people stand in a line. {clue1} {clue2} {clue3} Who is in the middle?",
    "A says 'B is lying.' B says 'C is lying.' C says 'A and B are both lying.' Who is telling the truth?",
    "There are three boxes labelled apples, oranges and mixed; all labels are wrong. You may take one fruit from one box. How do you relabel them?",
    "If all {xs} are {ys} and some {ys} are {zs}, can we conclude that some {xs} are {zs}?",
    "A farmer must cross a river with a wolf, a goat and a cabbage. The boat holds one item. How does he do it?",
    "You have {n} coins, one is heavier. What is the minimum number of weighings on a balance to find it?",
    "Four friends split a bill. {clue1} {clue2} How much did each pay?",
]
CLUES = [
    "The person with the dog is not Alice.", "Carol is allergic to fur.", "Bob sits next to the fish owner.",
    "Dana is directly behind Eli.", "Finn is not at either end.", "Gus is in front of Dana.",
    "Hana paid twice as much as Ivo.", "Jan paid $5 less than Kai.", "The total was $120.",
]
XS = ["bloops", "engineers", "poets", "cats", "routers", "violinists"]
YS = ["razzies", "night owls", "coffee drinkers", "mammals", "devices", "left-handed"]
ZS = ["lazzies", "chess players", "runners", "pets", "switches", "teachers"]

SCIENCE_QUESTIONS = [
    "Why is the sky blue but sunsets are red?", "How do noise-cancelling headphones work?",
    "Why does ice float on water?", "What determines the color of a star?",
    "Why do we have seasons?", "How does a vaccine train the immune system?",
    "Why does salt melt ice on roads?", "What causes the northern lights?",
    "How do airplanes stay in the air?", "Why is the ocean salty?",
    "How does GPS determine your position?", "Why do onions make you cry?",
    "What happens inside a microwave oven?", "Why do cats purr?",
    "How does a refrigerator move heat from cold to hot?", "Why is carbon dating limited to ~50,000 years?",
    "How do tides depend on the Moon and the Sun?", "Why does a spinning top not fall over?",
    "How do bees communicate the location of flowers?", "What limits the height of trees?",
    "Why are some metals magnetic and others not?", "How does the body regulate temperature?",
    "Why do batteries lose capacity over time?", "How do lasers produce coherent light?",
]

MCQ_STEMS = [
    ("Which planet has the shortest orbital period?", ["Mercury", "Venus", "Mars", "Jupiter"]),
    ("Which organelle produces most of the cell's ATP?", ["Mitochondrion", "Ribosome", "Golgi apparatus", "Lysosome"]),
    ("What is the derivative of sin(x)?", ["cos(x)", "-cos(x)", "-sin(x)", "tan(x)"]),
    ("Which treaty ended the Thirty Years' War?", ["Peace of Westphalia", "Treaty of Utrecht", "Treaty of Versailles", "Congress of Vienna"]),
    ("Which data structure gives O(1) average lookup by key?", ["Hash table", "Linked list", "Binary heap", "Stack"]),
    ("What is the SI unit of electrical resistance?", ["Ohm", "Volt", "Ampere", "Farad"]),
    ("Who wrote 'One Hundred Years of Solitude'?", ["Gabriel García Márquez", "Mario Vargas Llosa", "Jorge Luis Borges", "Julio Cortázar"]),
    ("What does GDP measure?", ["Total value of final goods and services produced", "Government debt", "Total exports", "Household savings"]),
    ("Which gas makes up most of Earth's atmosphere?", ["Nitrogen", "Oxygen", "Argon", "Carbon dioxide"]),
    ("In statistics, what does a p-value represent?", ["Probability of data at least this extreme under the null", "Probability the null is true", "Effect size", "Power of the test"]),
    ("Which sorting algorithm has worst-case O(n log n)?", ["Merge sort", "Quicksort", "Bubble sort", "Insertion sort"]),
    ("What is the capital of Australia?", ["Canberra", "Sydney", "Melbourne", "Perth"]),
    ("Which hormone lowers blood glucose?", ["Insulin", "Glucagon", "Cortisol", "Adrenaline"]),
    ("Which amendment to the US Constitution protects free speech?", ["First", "Second", "Fourth", "Fifth"]),
    ("What is the main function of a transistor in digital circuits?", ["Acting as a switch", "Storing charge long-term", "Emitting light", "Measuring temperature"]),
    ("Which economist is associated with 'creative destruction'?", ["Joseph Schumpeter", "John Maynard Keynes", "Milton Friedman", "Adam Smith"]),
    ("What is the time complexity of binary search?", ["O(log n)", "O(n)", "O(n log n)", "O(1)"]),
    ("Which element has atomic number 6?", ["Carbon", "Nitrogen", "Oxygen", "Boron"]),
    ("Which layer of the OSI model handles routing?", ["Network", "Transport", "Data link", "Session"]),
    ("What is the primary pigment in photosynthesis?", ["Chlorophyll a", "Carotene", "Xanthophyll", "Anthocyanin"]),
    ("Which philosopher wrote 'Critique of Pure Reason'?", ["Immanuel Kant", "David Hume", "Hegel", "Descartes"]),
    ("Which legal principle means 'let the decision stand'?", ["Stare decisis", "Habeas corpus", "Mens rea", "Res judicata"]),
    ("Which vitamin deficiency causes scurvy?", ["Vitamin C", "Vitamin D", "Vitamin B12", "Vitamin A"]),
    ("In Python, what does 'len([1, [2, 3]])' return?", ["2", "3", "1", "An error"]),
]
MCQ_SUBJECTS = ["abstract_algebra", "anatomy", "astronomy", "college_biology", "college_cs",
                "econometrics", "high_school_physics", "world_history", "professional_law",
                "moral_scenarios", "clinical_knowledge", "formal_logic", "marketing", "virology",
                "us_history", "nutrition", "philosophy", "machine_learning"]
