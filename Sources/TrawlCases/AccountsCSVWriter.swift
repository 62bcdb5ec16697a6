/// Writes `accounts.csv`: one row per member account of a case, for bulk enforcement tools.
///
/// RFC 4180: comma-separated, CRLF line ends, a header row; a field with a comma, quote,
/// CR or LF is quoted with its quotes doubled. Values are written exactly as in
/// `case.json` (an account id is what a tool acts on, so none is altered); a spreadsheet
/// may read a field starting with `=`, `+`, `-` or `@` as a formula, so open the file with
/// a tool, not a spreadsheet, or import it as text.
///
/// Columns: `case_id, account_id, role, case_status, recommended_action, priority,
/// score, flagged_days, first_day, last_day, requests, rules` (`rules`: ids of the rules
/// that fired on the account's flagged days, sorted, separated by spaces).
public enum AccountsCSVWriter {
    public static let header = [
        "case_id", "account_id", "role", "case_status", "recommended_action", "priority", "score", "flagged_days",
        "first_day", "last_day", "requests", "rules",
    ]

    /// The CSV text of a case file's members.
    public static func csv(_ file: CaseFile) -> String {
        var out = row(header)
        let roles = Dictionary(file.cluster.members.map { ($0.accountID, $0.role.rawValue) }) { a, _ in a }
        for m in file.members {
            let rules = Set(m.days.filter(\.flagged).flatMap { $0.rules.map(\.ruleID) }).sorted()
            out += row([
                String(file.case.id), m.accountID, roles[m.accountID] ?? "member", file.case.status.rawValue,
                file.recommendedAction.action.rawValue, file.recommendedAction.priority.rawValue,
                CaseReportRenderer.score(m.score), String(m.flaggedDays), m.firstDay ?? "", m.lastDay ?? "", String(m.requests),
                rules.joined(separator: " "),
            ])
        }
        return out
    }

    /// One CSV record with its CRLF.
    static func row(_ fields: [String]) -> String {
        fields.map(field).joined(separator: ",") + "\r\n"
    }

    /// A field, quoted when it must be.
    static func field(_ value: String) -> String {
        guard value.utf8.contains(where: { $0 == 0x2C || $0 == 0x22 || $0 == 0x0D || $0 == 0x0A }) else { return value }
        return "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
