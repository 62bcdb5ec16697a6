/// Generated paraphrase families: each family is one template filled with different items,
/// with light rewording (a synonym here and there, an optional polite opening), the way a
/// harvesting campaign varies its prompts. Deterministic (a fixed seed).
enum ParaphraseFamilies {
    /// A small deterministic generator (SplitMix64).
    struct Random {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        mutating func pick<T>(_ items: [T]) -> T { items[Int(next() % UInt64(items.count))] }
        mutating func chance(_ p: Double) -> Bool { Double(next() % 1000) < p * 1000 }
    }

    static let topics = [
        "photosynthesis", "the French Revolution", "black holes", "supply chain management", "machine learning",
        "climate change", "the Roman Empire", "quantum computing", "public health policy", "renewable energy",
        "ancient Egyptian art", "the stock market", "volcanoes", "urban planning", "the human immune system",
        "medieval castles", "ocean currents", "cryptography", "jazz music", "coral reefs",
    ]
    static let tasks = [
        "customer support emails", "SQL queries", "math word problems", "product descriptions", "legal questions",
        "medical triage notes", "poems", "unit tests", "travel itineraries", "recipe instructions",
    ]
    static let domains = ["healthcare", "finance", "education", "retail", "logistics", "gaming", "law", "agriculture"]
    static let roles = ["mathematician", "physicist", "software engineer", "lawyer", "chemist", "historian", "economist"]
    static let languages = ["French", "German", "Spanish", "Japanese", "Italian", "Portuguese", "Korean"]
    static let sentences = [
        "The weather is lovely today", "Where is the nearest train station", "I would like a cup of coffee",
        "Our meeting was moved to Thursday", "Please close the window", "The museum opens at nine",
        "He forgot his umbrella at home", "This book changed my life",
    ]
    static let problems = [
        "A train leaves at 3 pm travelling 80 km/h; when does it meet a second train leaving at 4 pm at 100 km/h?",
        "How many ways can 7 people sit around a round table?",
        "Prove that the square root of 2 is irrational.",
        "A tank fills in 6 hours and drains in 9 hours; how long to fill it with both open?",
        "What is the probability of two sixes in three rolls of a die?",
        "Find all integer solutions of x^2 - y^2 = 45.",
    ]
    static let zhTopics = ["人工智能", "气候变化", "中国古代史", "量子力学", "宏观经济", "城市规划", "海洋生物", "中医药", "区块链", "唐诗"]
    static let zhQuestions = [
        "一个水池有两个进水管，单开甲管6小时注满，单开乙管9小时注满，同时打开需要多久？",
        "为什么天空是蓝色的？", "如何证明三角形内角和为180度？", "鸡兔同笼，共35个头94只脚，各有多少只？",
        "光合作用的主要产物是什么？", "如果利率上升，债券价格会怎样变化？",
    ]
    static let zhStyles = ["豪放", "婉约", "现代", "古典", "幽默"]

    /// One family: a name and a way to make a member from a random source.
    struct Family: Sendable {
        let name: String
        let make: @Sendable (inout Random) -> String
    }

    static let families: [Family] = [
        Family(name: "dataset-json") { r in
            let verb = r.pick(["Generate", "Create", "Produce", "Write"])
            let adj = r.pick(["diverse", "varied", "different"])
            return
                "\(verb) \(r.next() % 40 + 5) \(adj) examples of \(r.pick(tasks)) for the \(r.pick(domains)) industry. "
                + "Answer in JSON with fields instruction and response, one object per example, and do not add commentary."
        },
        Family(name: "cot-expert") { r in
            let open = r.chance(0.5) ? "Please act as follows. " : ""
            return open
                + "You are an expert \(r.pick(roles)). Solve the following problem and show all of your reasoning step by step, "
                + "checking each step before moving on, then state the final answer on its own line: \(r.pick(problems))"
        },
        Family(name: "translate") { r in
            let verb = r.pick(["Translate", "Render", "Convert"])
            return "\(verb) the following sentence into \(r.pick(languages)) and keep the tone natural and polite, "
                + "then explain any word that has no direct equivalent: \"\(r.pick(sentences))\""
        },
        Family(name: "story") { r in
            let adj = r.pick(["funny", "sad", "suspenseful", "heartwarming", "strange"])
            let kind = r.pick(["short story", "tale", "short piece of fiction"])
            return "Write a \(adj) \(kind) about \(r.pick(topics)) in exactly \(r.next() % 500 + 100) words, "
                + "told from the point of view of a child who does not understand what is happening around them."
        },
        Family(name: "reverse-reasoning") { r in
            let q = r.pick(problems)
            let tail = r.chance(0.5) ? " Be thorough." : ""
            return "Imagine and articulate the internal reasoning behind a completed response to the question below, "
                + "as if you were thinking it through before writing the answer, without skipping any step. Question: \(q)\(tail)"
        },
        Family(name: "summary") { r in
            let who = r.pick(["high school students", "busy executives", "a general audience", "first-year undergraduates"])
            return "Summarize the main ideas of \(r.pick(topics)) for \(who) in \(r.next() % 8 + 3) bullet points, "
                + "avoiding jargon and ending with one open question that invites further reading."
        },
        Family(name: "interview") { r in
            let verb = r.pick(["List", "Give me", "Write"])
            return "\(verb) \(r.next() % 15 + 5) interview questions for a senior \(r.pick(roles)) position in \(r.pick(domains)), "
                + "and for each question give a model answer and the red flags an interviewer should listen for."
        },
        Family(name: "compare") { r in
            var a = r.pick(topics), b = r.pick(topics)
            if a == b { b = topics[(topics.firstIndex(of: a)! + 1) % topics.count] }
            if r.chance(0.3) { swap(&a, &b) }
            return "Compare \(a) and \(b) in terms of history, current relevance and open problems, "
                + "present the comparison as a table, and finish with a recommendation for someone who can study only one of them."
        },
        Family(name: "zh-dataset") { r in
            let verb = r.pick(["请生成", "请帮我生成", "生成"])
            return "\(verb)\(r.next() % 40 + 5)个关于\(r.pick(zhTopics))的多样化问答对，以JSON格式输出，包含instruction和response字段，每个问题都要有详细的解答。"
        },
        Family(name: "zh-cot") { r in
            let open = r.chance(0.5) ? "你是一位资深老师。" : ""
            return open + "请逐步展示你的推理过程，把每一步的思考都写出来，最后单独给出答案：\(r.pick(zhQuestions))"
        },
        Family(name: "zh-poem") { r in
            "以\(r.pick(zhStyles))的风格写一首关于\(r.pick(zhTopics))的诗，不少于\(r.next() % 20 + 8)行，并在诗后用三句话解释其中的意象。"
        },
        Family(name: "zh-summary") { r in
            let verb = r.pick(["请总结", "请概括"])
            return "\(verb)\(r.pick(zhTopics))的主要观点和最新进展，面向普通读者，并给出\(r.next() % 6 + 3)条进一步学习的建议。"
        },
    ]

    /// `perFamily` members of every family, as (family index, prompt).
    static func generate(perFamily: Int, seed: UInt64 = 0x5EED) -> [(family: Int, prompt: String)] {
        var r = Random(state: seed)
        var out: [(Int, String)] = []
        for (f, family) in families.enumerated() {
            for _ in 0..<perFamily { out.append((f, family.make(&r))) }
        }
        return out
    }
}
