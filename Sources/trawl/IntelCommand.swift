import ArgumentParser
import Foundation
import TrawlGeo
import TrawlModel

struct IntelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "intel",
        abstract: "Build and query own-intelligence databases (MaxMind DB format).",
        discussion: """
            Own intelligence is a list of networks (known proxy exits, resellers' servers,
            hosting ranges) with facts about each, compiled into a .mmdb file that --geoip
            reads beside MaxMind's databases.
            """,
        subcommands: [Build.self, Lookup.self])

    struct Build: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Compile CSV intel lists into one MaxMind DB file.",
            discussion: """
                Each CSV has a header; the first column is network (a CIDR network such
                as 192.0.2.0/24 or 2001:db8::/32, or a bare address for a /32 or /128),
                the others are record keys. Typed columns: country (two-letter code),
                asn (AS number), is_residential_proxy, is_anonymous_vpn,
                is_hosting_provider, is_tor_exit_node, is_public_proxy, is_anonymous
                (true/false, 1/0, yes/no), latitude, longitude (degrees),
                accuracy_radius (km), anonymizer_confidence (1-99). as_org, label,
                time_zone and all other columns are strings. An empty cell leaves its
                key out. Quoted fields may hold commas, quotes ("") and line breaks.

                The most specific network containing an address wins, whole (a /24
                inside a /16 does not inherit the /16's keys). A network listed twice,
                in one file or several, gets the keys of both rows; for a key in both,
                the later row wins.

                Any bad row fails the build with status 65 and nothing is written: the
                first 20 problems are printed as file:line: column NAME: reason.

                Example:
                  trawl intel build proxies.csv hosting.csv -o intel/own.mmdb
                  trawl intel lookup intel/own.mmdb 192.0.2.7
                """)

        @Argument(help: "Intel lists (CSV with a header whose first column is network).")
        var inputs: [String]

        @Option(name: [.customShort("o"), .long], help: "The database file to write.")
        var output: String

        @Option(help: "The database_type written in the metadata.")
        var type = OwnIntel.databaseType

        @Option(name: .customLong("description"), help: "The English description written in the metadata.")
        var databaseDescription = "Trawl own intelligence (trawl intel build)"

        @Flag(help: "Quote the offending cell in each problem.")
        var verbose = false

        func validate() throws {
            if type.isEmpty { throw ValidationError("--type must not be empty") }
        }

        func run() throws {
            var writer = MaxMindWriter(
                databaseType: type, descriptions: ["en": databaseDescription], languages: ["en"])
            var problems: [GeoError] = []
            var rows = 0, badRows = 0
            for input in inputs {
                let list: IntelList
                do { list = try IntelListDecoder.decode(contentsOf: input) } catch { throw Self.failure(error) }
                rows += list.rowCount
                badRows += list.badRowCount
                problems += list.problems
                for entry in list.entries { writer.insert(entry.network, entry.record) }
            }
            if !problems.isEmpty {
                for p in problems.prefix(20) {
                    Terminal.say(TerminalText.sanitize(verbose ? p.verboseDescription : p.description, limit: 400))
                }
                if problems.count > 20 { Terminal.say("… and \(problems.count - 20) more problem(s)") }
                throw CommandFailure(
                    65,
                    "\(problems.count) problem(s) in \(badRows) of \(rows) row(s) (or in a header); nothing written to "
                        + TerminalText.sanitize(output) + ". Fix the rows (or delete them) and build again"
                        + (verbose ? "" : "; --verbose quotes the offending cells"))
            }
            let folder = (output as NSString).deletingLastPathComponent
            if !folder.isEmpty && !FileManager.default.fileExists(atPath: folder) {
                do { try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true) } catch {
                    throw CommandFailure(74, TerminalText.sanitize(folder) + ": cannot create the folder for --output")
                }
            }
            do { try writer.write(to: output) } catch { throw Self.failure(error) }
            Terminal.say(
                "trawl intel build: \(rows) row(s), \(writer.networkCount) network(s) from \(inputs.count) file(s) → "
                    + TerminalText.sanitize(output))
        }

        static func failure(_ error: GeoError) -> CommandFailure {
            let code: Int32
            switch error.reason {
            case .noSuchFile: code = 66
            case .tooLarge, .invalidCSV, .invalidValue: code = 65
            default: code = 74
            }
            return CommandFailure(code, TerminalText.sanitize(error.description, limit: 400))
        }
    }

    struct Lookup: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Look addresses up in one MaxMind-format database, printing the raw records.",
            discussion: """
                Prints one JSON line per address on standard output: the address, the matched
                network, its prefix length and the whole record as stored (any MaxMind-format
                file: own intel or MaxMind's GeoIP2/GeoLite2). An address with no entry prints
                {"found":false,"ip":...}.

                Example:
                  trawl intel lookup intel/own.mmdb 192.0.2.7 2001:db8::1
                  trawl intel lookup GeoLite2-ASN.mmdb 1.128.0.0
                """)

        @Argument(help: "The database file (.mmdb).")
        var database: String

        @Argument(help: "IPv4 or IPv6 addresses.")
        var addresses: [String]

        struct Line: Encodable {
            let ip: String
            let found: Bool
            var network: String?
            var prefix_length: Int?
            var record: MaxMindValue?
        }

        func validate() throws {
            for text in addresses where IPAddress(text) == nil {
                throw ValidationError("not an IPv4 or IPv6 address: \(TerminalText.sanitize(text, limit: 60))")
            }
        }

        func run() throws {
            let parsed = addresses.compactMap { IPAddress($0) }
            let db: GeoDatabase
            do { db = try GeoDatabase(path: database) } catch {
                let code: Int32 = error.reason == .noSuchFile ? 66 : (error.reason.isUnreadable ? 74 : 65)
                throw CommandFailure(code, TerminalText.sanitize(error.description, limit: 400))
            }
            for address in parsed {
                let match: (prefixLength: Int, value: MaxMindValue)?
                do { match = try db.lookupValue(address) } catch {
                    throw CommandFailure(65, TerminalText.sanitize(error.description, limit: 400))
                }
                guard let match else {
                    Terminal.emit(Line(ip: address.description, found: false))
                    continue
                }
                let network = IPNetwork(containing: address, prefixLength: match.prefixLength)
                Terminal.emit(
                    Line(
                        ip: address.description, found: true, network: network.description, prefix_length: match.prefixLength,
                        record: match.value))
            }
        }
    }
}

extension GeoError.Reason {
    var isUnreadable: Bool {
        if case .unreadable = self { return true }
        return false
    }
}
