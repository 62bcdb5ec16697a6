import Foundation
import TrawlFeatures
import TrawlModel

extension RuleSet {
    /// Scores one account for one day.
    ///
    /// Evaluates every account-scope rule; `score = 1 / (1 + exp(-(bias + Σ weights of
    /// the rules that fired)))` and `flagged = score >= threshold` (the set's threshold
    /// unless one is given). Hits are sorted by weight, largest first, then by rule id;
    /// the weights are summed in that order.
    /// - Complexity: O(total size of the account rules' conditions) plus O(hits log hits).
    public func assess(accountID: String, day: Int32, features: FeatureVector, threshold: Double? = nil) -> Assessment {
        assess(accountRuleReferences, subject: accountID, day: day, features: features, threshold: threshold)
    }

    /// Scores one cluster of linked accounts from its `cluster_*` features with the
    /// cluster-scope rules, on the same log-odds scale, bias and threshold as accounts.
    ///
    /// - Parameters:
    ///   - subject: Names the cluster in the assessment (its `accountID` field).
    ///   - day: The last day of the input the cluster was found in.
    public func assessCluster(subject: String, day: Int32, features: FeatureVector, threshold: Double? = nil) -> Assessment {
        assess(clusterRuleReferences, subject: subject, day: day, features: features, threshold: threshold)
    }

    private func assess(
        _ rules: [RuleReference], subject: String, day: Int32, features: FeatureVector, threshold: Double?
    ) -> Assessment {
        let accountID = subject
        var hits: [RuleHit] = []
        for reference in rules {
            if let hit = reference.hit(on: features) { hits.append(hit) }
        }
        hits.sort { $0.weight != $1.weight ? $0.weight > $1.weight : $0.ruleID < $1.ruleID }
        var logOdds = scoring.bias
        for hit in hits { logOdds += hit.weight }
        let score = 1 / (1 + exp(-logOdds))
        return Assessment(
            accountID: accountID, day: day, score: score, flagged: score >= (threshold ?? scoring.threshold),
            bias: scoring.bias, hits: hits)
    }

    /// The score alone, as `assess` computes it (the same weights, summed in the same
    /// order), without making the hits and their explanations: for a live run, which scores
    /// every changed account each tick and needs the explanation only when it alerts.
    /// - Complexity: O(total size of the account rules' conditions).
    public func score(_ features: FeatureVector) -> Double {
        var weights: [Double] = []
        for reference in accountRuleReferences where reference.fires(on: features) { weights.append(reference.weight) }
        // Equal weights may go in any order: the sum is the same.
        weights.sort(by: >)
        var logOdds = scoring.bias
        for w in weights { logOdds += w }
        return 1 / (1 + exp(-logOdds))
    }

    /// Scores one account-day of features.
    public func assess(_ account: AccountDayFeatures, threshold: Double? = nil) -> Assessment {
        assess(accountID: account.accountID, day: account.day, features: account.features, threshold: threshold)
    }

    /// A multi-line explanation of an assessment: the bias, each rule that fired with its
    /// weight, title and filled-in explanation, then the total and the score.
    ///
    /// ```
    /// account acct-7 on 2025-03-14: score 0.924, flagged
    ///   -4.00  bias (log-odds before any rule)
    ///   +2.50  pool.many_networks: Used from many networks in one day
    ///            14 networks, active 22 h
    ///   = +2.50 log-odds -> score 0.924
    /// ```
    /// - Parameter includeAccountID: `false` writes `account <hidden>`, for output that
    ///   must not carry account ids.
    public func explain(_ assessment: Assessment, includeAccountID: Bool = true) -> String {
        Self.explain(assessment, includeAccountID: includeAccountID)
    }

    /// `explain(_:)` for an assessment made by any rule set (it needs only the assessment).
    public static func explain(_ assessment: Assessment, includeAccountID: Bool = true) -> String {
        let account = includeAccountID ? assessment.accountID : "<hidden>"
        var lines = [
            "account \(account) on \(TimestampParser.dayString(assessment.day)): score \(fixed(assessment.score, 3)), "
                + (assessment.flagged ? "flagged" : "not flagged")
        ]
        lines.append("  \(signed(assessment.bias))  bias (log-odds before any rule)")
        var total = assessment.bias
        for hit in assessment.hits {
            total += hit.weight
            lines.append("  \(signed(hit.weight))  \(hit.ruleID): \(hit.title)")
            if !hit.explanation.isEmpty { lines.append("           \(hit.explanation)") }
        }
        if assessment.hits.isEmpty { lines.append("         no rule fired") }
        lines.append("  = \(signed(total)) log-odds -> score \(fixed(assessment.score, 3))")
        return lines.joined(separator: "\n")
    }
}

/// `v` with exactly `digits` decimals, rounded half away from zero.
func fixed(_ v: Double, _ digits: Int) -> String {
    var scale = 1.0
    for _ in 0..<digits { scale *= 10 }
    let scaled = (abs(v) * scale).rounded()
    guard scaled < 1e15 else { return "\(v)" }
    let units = Int64(scaled)
    let whole = units / Int64(scale)
    var fraction = String(units % Int64(scale))
    while fraction.count < digits { fraction = "0" + fraction }
    let sign = v < 0 && units != 0 ? "-" : ""
    return digits == 0 ? "\(sign)\(whole)" : "\(sign)\(whole).\(fraction)"
}

/// `v` with two decimals and an explicit sign: `+2.50`, `-4.00`.
func signed(_ v: Double) -> String {
    let text = fixed(v, 2)
    return text.hasPrefix("-") ? text : "+" + text
}
