/// Prompt groups: which bank of templates a request's `prompt` text comes from.
enum PromptGroup: Int, Sendable, CaseIterable {
    case chat, chatFollowup, coding, toolResult, student, office, multilingual, escaped, batchJob
    case distillFixed, distillVaried, distillWrapper
}

/// A compiled text template: literal bytes and `{slot}` references.
struct TextTemplate: Sendable {
    enum Piece: Sendable {
        case text([UInt8])
        case slot(Int)
        case number(lo: Int, hi: Int, width: Int)
    }

    let pieces: [Piece]
}

/// Generates prompt and system-prompt text from template banks with slot fillers.
///
/// Benign banks are many short, structurally different templates; distillation banks are
/// few fixed templates whose slots carry the topical spread (`{problem}`, `{codetask}`),
/// so prompts from one operator share a skeleton. Expansion is deterministic in the seed.
struct PromptSource: Sendable {
    let groups: [[TextTemplate]]
    let slots: [[TextTemplate]]
    let systemPrompts: [[UInt8]]

    static let shared = PromptSource()

    /// Number of templates in a group.
    func count(_ group: PromptGroup) -> Int { groups[group.rawValue].count }

    /// Appends raw UTF-8 prompt text (unescaped).
    /// - Parameter template: index in the group, or -1 for one drawn from the seed.
    func write(_ group: PromptGroup, template: Int, seed: UInt64, into out: inout [UInt8]) {
        var rng = SimulationRandom(seed: seed)
        let bank = groups[group.rawValue]
        let t = template >= 0 ? bank[template % bank.count] : bank[rng.int(bank.count)]
        expand(t, rng: &rng, into: &out, depth: 0)
    }

    private func expand(_ t: TextTemplate, rng: inout SimulationRandom, into out: inout [UInt8], depth: Int) {
        for piece in t.pieces {
            switch piece {
            case .text(let bytes): out.append(contentsOf: bytes)
            case .number(let lo, let hi, let width):
                if width > 0 { out.appendPadded(rng.int(lo, hi), width: width) } else { out.appendInt(rng.int(lo, hi)) }
            case .slot(let id):
                let choices = slots[id]
                if depth < 4 { expand(choices[rng.int(choices.count)], rng: &rng, into: &out, depth: depth + 1) }
            }
        }
    }

    private init() {
        var names: [String: Int] = [:]
        for (i, entry) in Self.slotBank.enumerated() { names[entry.0] = i }
        func compile(_ text: String) -> TextTemplate {
            var pieces: [TextTemplate.Piece] = []
            var literal: [UInt8] = []
            let b = text.bytes
            var i = 0
            while i < b.count {
                if b[i] == UInt8(ascii: "{") {
                    var j = i + 1
                    while j < b.count, (b[j] >= 97 && b[j] <= 122) || (b[j] >= 48 && b[j] <= 57) { j += 1 }
                    if j > i + 1, j < b.count, b[j] == UInt8(ascii: "}") {
                        let name = String(decoding: b[(i + 1)..<j], as: UTF8.self)
                        let piece: TextTemplate.Piece
                        if let n = Self.numbers[name] {
                            piece = .number(lo: n.0, hi: n.1, width: n.2)
                        } else if let id = names[name] {
                            piece = .slot(id)
                        } else {
                            preconditionFailure("unknown prompt slot {\(name)}")
                        }
                        if !literal.isEmpty { pieces.append(.text(literal)) }
                        literal = []
                        pieces.append(piece)
                        i = j + 1
                        continue
                    }
                }
                literal.append(b[i])
                i += 1
            }
            if !literal.isEmpty { pieces.append(.text(literal)) }
            return TextTemplate(pieces: pieces)
        }
        slots = Self.slotBank.map { $0.1.map(compile) }
        groups = PromptGroup.allCases.map { g in Self.groupBank[g]!.map(compile) }
        systemPrompts = Self.systemBank.map(\.bytes)
    }

    /// System prompts, by index (requests carry the index).
    enum System {
        static let claudeCode = 0, assistant = 1, classifier = 2, extractor = 3, stepByStep = 4
        static let expert = 5, german = 6, teamCoding = 7
    }

    private static let systemBank: [String] = [
        "You are Claude Code, Anthropic's official CLI for Claude.",
        "You are a helpful assistant.",
        "You are a support ticket classifier. Reply with exactly one label.",
        "You are an information extraction system. Output JSON only.",
        "You are a helpful assistant that always reasons step by step before answering.",
        "You are an expert mathematician and programmer. Think step by step and show all work.",
        "Du bist ein hilfreicher Assistent für unser Team.",
        "You are a coding assistant for our engineering team. Follow the style guide in CONTRIBUTING.md.",
    ]

    private static let numbers: [String: (Int, Int, Int)] = [
        "n": (2, 12, 0), "x": (2, 20, 0), "num": (10, 999, 0), "big": (1000, 99999, 0), "year": (1995, 2026, 0),
        "pct": (5, 95, 0), "q": (1, 4, 0), "mm": (1, 12, 2), "dd": (1, 28, 2), "h": (0, 23, 2), "cents": (0, 99, 2),
    ]

    // swift-format-ignore
    private static let groupBank: [PromptGroup: [String]] = [
        .chat: [
            "Draft an email to {person} about {topic}.", "Summarize this {doc} in {n} bullet points.",
            "Help me plan a {n}-day trip to {city}.", "What's the difference between {concept} and {concept}?",
            "Explain {concept} like I'm new to {field}.", "Make this paragraph more concise: {snippet}",
            "Give me {n} name ideas for a {adj} coffee shop.", "Can you rewrite this to sound friendlier? {snippet}",
            "What can I cook tonight with {food} and rice?", "How do I politely decline {topic}?",
            "Is it better to rent or buy in {city}?", "Translate to Spanish: {snippet}",
            "Write a short poem about {city} in the rain.", "What are good questions to ask {person} about {topic}?",
        ],
        .chatFollowup: [
            "Shorter please.", "Can you make it more formal?", "Thanks! What about {city}?", "Add a section about {topic}.",
            "Why?", "Give me another version.", "ok and in {lang}?", "Can you turn that into a table?",
            "Perfect, now a version for {person}.", "Explain the second point again.",
        ],
        .coding: [
            "Fix the failing test in {file}: {error}", "Refactor {thing} in {file} to use {pattern}.",
            "Add unit tests for {func} in {file}.", "Why does {func} throw {error}?", "Explain what {func} in {file} does.",
            "Rename \"{func}\" to \"{func}V2\" everywhere and update the call sites.",
            "Implement {func} in {lang} with proper error handling.", "The build fails with: {error}. Fix it.",
            "Review the diff in {file} and suggest improvements.", "Fix this:\n{code}",
            "Add logging to {thing} and make it configurable.", "Speed up {func}; it takes {num} ms on large inputs.",
        ],
        .toolResult: [
            "[tool_result] {n} files changed, {num} insertions(+), {x} deletions(-)", "[tool_result] Exit code 0",
            "[tool_result] Exit code 1\n{error}", "[tool_result] {num} passed, {x} failed in {x}.{cents}s",
            "[tool_result] Read {file} ({num} lines)", "[tool_result] No matches found", "[tool_result] Edited {file}",
            "[tool_result] {num} matches in {n} files",
        ],
        .student: [
            "Explain {concept} with an example.", "Help me outline an essay on {concept}.",
            "Check my proof that {theorem}.", "What are the key points of {concept} for my {field} exam?",
            "Write a study plan for {field} over {n} weeks.", "Quiz me on {concept}, {n} questions.",
        ],
        .office: [
            "Summarize the attached {doc} for {person}.", "Write a status update about {topic}.",
            "Turn these notes into action items: {snippet}", "Draft a reply to {person} about {topic}.",
            "Create a SQL query that lists customers who ordered more than {num} {item} in {year}.",
            "Make a slide outline for {topic}, {n} slides.",
        ],
        .multilingual: [
            "Kannst du mir erklären, wie {concept} funktioniert?", "Résume ce texte en {n} points : {snippet}",
            "この関数のバグを直してください: {func}", "请帮我解释一下{concept}的原理。",
            "¿Cuál es la diferencia entre {concept} y {concept}?", "이 코드를 리팩터링해 주세요: {file}",
            "Écris un e-mail à {person} au sujet de {topic}, s'il te plaît.", "Напиши функцию на {lang}, которая {codetask}.",
            "Write a birthday message for {name} 🎉 with a joke about {item}.", "Olá! Pode revisar este parágrafo? {snippet}",
            "Wie viele {item} braucht man für {num} Gäste? Grüße, {name}",
        ],
        .escaped: [
            "Why does the regex \"\\d+\\.\\d+\" not match \"{x}.{cents}\"?", "Fix this:\n{code}",
            "Replace every \\t in {file} with four spaces.", "Path C:\\Users\\{name}\\Documents\\report.docx won't open, why?",
            "Is \"{func}()\" the same as \"{func}(None)\"?\nContext:\n{code}",
        ],
        .batchJob: [
            "Classify the following support ticket into one of [billing, bug, feature, other]. Ticket #{big}: {ticket}",
            "Extract the invoice number, date and total as JSON from: Invoice {big} dated {year}-{mm}-{dd}, total {num}.{cents} EUR.",
            "Summarize this customer review in one sentence: {review}", "Translate the product title to German: {product}",
            "Generate alt text for product image {big}: {product}", "Label the sentiment (positive/neutral/negative): {review}",
        ],
        .distillFixed: [
            "Solve step by step and show all reasoning: {problem}",
            "Think carefully and explain every step of your reasoning before giving the final answer.\nProblem: {problem}",
            "You are an expert tutor. Provide a detailed chain of thought, then the final answer.\nQuestion: {problem}",
            "Write a complete, well-commented {lang} function that {codetask}. Explain your reasoning step by step first.",
            "Give a rigorous proof, reasoning step by step: {theorem}",
            "Reason through this problem in detail, showing all intermediate work, and end with 'Final answer:'. {problem}",
            "Let's think step by step. {problem}", "Show your full reasoning process. Task: {codetask} in {lang}.",
        ],
        .distillVaried: [
            "Can you help me with this? {problem}", "I'm stuck on a homework question: {problem} Could you walk me through it?",
            "Quick one: {problem}", "My friend and I disagree about this: {problem} Who is right and why?",
            "Explain how you would approach: {problem}", "{problem} Please be thorough.",
            "For a study guide I'm writing, work out: {problem}", "Implement something in {lang} that {codetask}; talk through the trade-offs.",
            "Why is it true that {theorem}?", "Here's a puzzle: {problem}", "Walk me through how to write code that {codetask}, in {lang}.",
            "I'd like a careful derivation: {problem}", "Teach me, don't just answer: {problem}", "Double-check this for me: {problem}",
        ],
        .distillWrapper: [
            "Thanks. Now the next one, same format: {problem}", "Great, that helps. Next: {problem}",
            "Good. Do the same for this: {problem}", "Now explain your reasoning for: {problem}",
            "Nice. One more, in {lang}: code that {codetask}.",
        ],
    ]

    // swift-format-ignore
    private static let slotBank: [(String, [String])] = [
        ("lang", ["Python", "Swift", "Rust", "Go", "TypeScript", "Java", "C++", "Kotlin", "Ruby", "SQL", "Bash", "Elixir"]),
        ("file", ["src/main.rs", "app/models/user.rb", "lib/parser.ts", "Sources/App/Server.swift", "cmd/api/main.go",
                  "internal/store/cache.go", "tests/test_api.py", "web/components/Header.tsx", "pkg/queue/worker.go",
                  "server/routes.js", "src/billing/invoice.py", "core/src/lib.rs"]),
        ("func", ["parseConfig", "handleRequest", "retryWithBackoff", "mergeIntervals", "validateEmail", "computeChecksum",
                  "loadUsers", "renderTemplate", "flushQueue", "normalizePath", "fetchPage", "applyDiscount"]),
        ("error", ["TypeError: undefined is not a function", "NullPointerException at line {num}", "index out of range [{x}] with length {x}",
                   "segmentation fault (core dumped)", "ECONNRESET", "deadlock detected", "error[E0502]: cannot borrow as mutable",
                   "ModuleNotFoundError: No module named 'yaml'", "timeout after {num}s", "401 Unauthorized"]),
        ("concept", ["eventual consistency", "backpropagation", "the CAP theorem", "compound interest", "photosynthesis",
                     "Bayesian inference", "TCP congestion control", "monads", "the French Revolution", "supply and demand",
                     "CRDTs", "vector clocks", "gradient descent", "inflation", "mitosis"]),
        ("person", ["my manager", "a client", "the landlord", "my team", "our investors", "a recruiter", "my professor", "the support team"]),
        ("topic", ["the Q{q} roadmap", "a delayed shipment", "next week's offsite", "the budget review", "a refund request",
                   "the migration plan", "the hiring freeze", "a missed deadline", "the new pricing"]),
        ("city", ["Lisbon", "Kyoto", "Mexico City", "Vancouver", "Istanbul", "Seoul", "Cape Town", "Prague", "Buenos Aires",
                  "Hanoi", "Oslo", "Marrakesh"]),
        ("thing", ["error handling", "the database layer", "logging", "the retry logic", "the config loader",
                   "the auth middleware", "the cache", "the CLI parser"]),
        ("pattern", ["async/await", "dependency injection", "a builder", "a state machine", "the repository pattern", "generics", "streams"]),
        ("doc", ["article", "contract", "meeting transcript", "research paper", "email thread", "product spec", "changelog"]),
        ("name", ["Alice", "Bob", "Priya", "Chen", "Fatima", "Lukas", "Mateo", "Yuki", "Olga", "Kwame", "Sofia", "Omar", "Zoë", "José"]),
        ("item", ["apples", "widgets", "tickets", "books", "marbles", "shares", "liters of paint", "cookies"]),
        ("food", ["chickpeas", "spinach", "leftover chicken", "tofu", "mushrooms", "eggs"]),
        ("adj", ["cozy", "minimalist", "retro", "eco-friendly", "late-night"]),
        ("field", ["biology", "economics", "distributed systems", "linear algebra", "organic chemistry", "music theory", "statistics"]),
        ("snippet", ["We need to move the launch by {n} weeks because the vendor is late.",
                     "the meeting ran long and nobody agreed on next steps",
                     "Our Q{q} numbers look strong but churn went up {pct}%.",
                     "Hi all — quick reminder that the office is closed on Friday.",
                     "I think we should revisit the plan after the demo on the {dd}th."]),
        ("code", ["def f(x):\n    return \"%s\" % x", "if (a == \"\") {\n\treturn;\n}", "SELECT name FROM users WHERE email = 'a@b.c';",
                  "let s = \"path\\\\to\\\\file\"", "for i in range({n}):\n    print(i, end=\"\\t\")"]),
        ("codetask", ["implements an LRU cache with O(1) operations", "parses ISO 8601 durations", "finds the longest palindromic substring",
                      "merges k sorted lists", "detects a cycle in a directed graph", "computes the edit distance between two strings",
                      "serialises a binary tree", "solves Sudoku by backtracking", "finds the median of two sorted arrays",
                      "evaluates arithmetic expressions with precedence"]),
        ("theorem", ["there are infinitely many primes", "the square root of 2 is irrational", "every tree with {n} vertices has {n} minus one edges",
                     "the harmonic series diverges", "a graph is bipartite iff it has no odd cycle", "the sum of the first {num} odd numbers is a perfect square"]),
        ("problem", ["A train leaves {city} at {h}:00 travelling at {num} km/h. Another leaves {x} hours later at {num} km/h. When does the second catch up?",
                     "Find all real solutions of {x}x^2 - {num}x + {x} = 0.",
                     "{name} has {num} {item} and gives away {pct} percent of them each day. After how many days are fewer than {x} left?",
                     "How many ways can {n} people sit around a round table if {name} and {name} must not sit together?",
                     "What is the probability of getting at least {x} heads in {num} fair coin tosses?",
                     "Compute the determinant of [[{x}, {n}, {x}], [{n}, {x}, {n}], [{x}, {x}, {n}]].",
                     "A rectangle has perimeter {num} and area {big}. Find its side lengths.",
                     "Evaluate the integral of x^{n} * e^(-{x}x) from 0 to infinity.", "Is {big} a prime number? Justify.",
                     "A tank fills in {x} hours and drains in {n} hours. Starting empty with both open, when is it full?",
                     "What is the remainder when {x}^{big} is divided by {num}?",
                     "In how many ways can {num} be written as an ordered sum of 1s and 2s?"]),
        ("ticket", ["I was charged twice for order {big}", "The app crashes when I open settings", "Please add dark mode",
                    "Can't reset my password", "Export to CSV is missing columns", "Where is my refund for #{big}?"]),
        ("review", ["Great {item}, arrived in {n} days, would buy again.", "Terrible quality, broke after {n} uses.",
                    "Okay for the price.", "Exactly as described. Five stars."]),
        ("product", ["Stainless steel water bottle {num} ml", "Wireless earbuds with {n}h battery", "Organic green tea, {num} g",
                     "Ergonomic office chair, model {big}"]),
    ]
}
