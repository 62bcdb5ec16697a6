/// The behaviour that generated an account: twelve benign populations and five abusive ones.
///
/// Each has a share of the world's accounts (`share`), tuned so that a 2,000-account world
/// has at least 40 accounts in every population and at least 100 pooled ones.
public enum Population: String, CaseIterable, Sendable, Codable {
    /// One person: own diurnal rhythm, 1–3 home addresses, 1–2 clients, multi-turn sessions.
    case individual
    /// Mobile users behind a carrier's CGNAT: many addresses a day inside 1–3 of the carrier's /24s, shared with strangers.
    case carrierCGNAT = "carrier_cgnat"
    /// Office workers behind one or two corporate egress addresses, working hours.
    case officeNAT = "office_nat"
    /// Students behind a university NAT pool shared by many accounts.
    case universityNAT = "university_nat"
    /// A person on a commercial VPN: datacenter exits, 2–6 networks a day, sometimes several countries.
    case vpnUser = "vpn_user"
    /// A person travelling through 2–3 countries; time zone follows.
    case traveller
    /// Legitimate CI and batch jobs: 24/7, thousands of single-turn SDK requests from one cloud network.
    case heavyAutomation = "heavy_automation"
    /// A team on one account: many API keys and sessions, few egress addresses, working hours.
    case teamManyKeys = "team_many_keys"
    /// One developer on a Max plan running coding agents with parallel sub-agents: 30–80
    /// sessions a day, bursts of 3–8 long requests in flight, windows filled to 60–100% of
    /// the plan and now and then past it, from one or two networks with a sleep gap.
    case powerUser = "power_user"
    /// A researcher's one-off benchmark run: on one day, one template filled with a data
    /// set's items, 1,000–4,000 single-turn prompts from a script with 4–12 workers within
    /// about an hour, from the one network the account otherwise uses lightly by hand.
    case benchmarkBurst = "benchmark_burst"
    /// A developer's agent: one long system prompt of its own on every request, varied user
    /// prompts (tasks, then tool results), steady around the clock from a cloud host, 1–2 keys.
    case agentFixedSystem = "agent_fixed_system"
    /// A team of 3–10 accounts of one organisation (company domain, office egress, often one
    /// company card) sharing a prompt library of a dozen templates, in working hours.
    case teamPromptLibrary = "team_prompt_library"
    /// A reseller's account: many customers through a rotating residential-proxy pool, 24/7, near the plan limit.
    case pooled
    /// A reseller that hides: a daily idle gap, sticky proxies (4–10 a day), 2–3 clients, lower volume.
    case evasivePooled = "evasive_pooled"
    /// A distillation operator's account: templated single-turn reasoning prompts at the output cap.
    case distillation
    /// Distillation with varied templates and temperatures and multi-turn wrappers.
    case evasiveDistillation = "evasive_distillation"
    /// Distillation spread thinly: one operator's 20–150 accounts, each a moderate 40–200
    /// single-turn prompts a day in a person's rhythm from its own sticky residential exit,
    /// all from a few reasoning-coercion templates (English and Chinese) filled from a task
    /// taxonomy, thinking on, `max_tokens` at the cap.
    case thinDistillation = "thin_distillation"

    /// Expected share of accounts.
    public var share: Double {
        switch self {
        case .individual: 0.34
        case .carrierCGNAT: 0.10
        case .officeNAT: 0.08
        case .universityNAT: 0.05
        case .vpnUser: 0.04
        case .traveller: 0.03
        case .heavyAutomation: 0.03
        case .teamManyKeys: 0.03
        case .powerUser: 0.03
        case .benchmarkBurst: 0.02
        case .agentFixedSystem: 0.02
        case .teamPromptLibrary: 0.03
        case .pooled: 0.08
        case .evasivePooled: 0.04
        case .distillation: 0.035
        case .evasiveDistillation: 0.025
        case .thinDistillation: 0.02
        }
    }

    /// The ground-truth label written to `labels.jsonl`.
    public var label: String {
        switch self {
        case .pooled: "pooled"
        case .evasivePooled: "proxy_rotation"
        case .distillation, .evasiveDistillation, .thinDistillation: "distillation"
        default: "benign"
        }
    }

    public var isAbusive: Bool { label != "benign" }

    /// Accounts per population for a world of `accounts`: shares rounded by largest
    /// remainder, and, when there are at least as many accounts as populations, at least one each.
    public static func counts(forAccounts accounts: Int) -> [Population: Int] {
        let n = max(0, accounts)
        var counts: [Population: Int] = [:]
        var assigned = 0
        var remainders: [(Double, Int)] = []
        for (i, p) in allCases.enumerated() {
            let exact = p.share * Double(n)
            let whole = Int(exact)
            counts[p] = whole
            assigned += whole
            remainders.append((exact - Double(whole), i))
        }
        remainders.sort { $0.0 != $1.0 ? $0.0 > $1.0 : $0.1 < $1.1 }
        var k = 0
        while assigned < n {
            counts[allCases[remainders[k % remainders.count].1], default: 0] += 1
            assigned += 1
            k += 1
        }
        if n >= allCases.count {
            for p in allCases where counts[p] == 0 {
                let donor = allCases.max { counts[$0]! < counts[$1]! }!
                counts[donor]! -= 1
                counts[p] = 1
            }
        }
        return counts
    }
}
