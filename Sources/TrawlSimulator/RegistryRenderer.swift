import TrawlModel

/// Renders `accounts.jsonl` and `labels.jsonl` for a world.
enum RegistryRenderer {
    static func registry(_ world: World) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(world.accounts.count * 300)
        for a in world.accounts {
            let r = a.registry
            out.append("{\"account_id\":\"")
            out.append(contentsOf: a.id)
            out.append("\",\"created_at\":\"")
            out.appendDateTime(r.createdAt)
            out.append(UInt8(ascii: "."))
            out.appendPadded(Int(r.createdAt % 1000), width: 3)
            out.append("Z\",\"plan\":\"")
            out.append(contentsOf: Plan.nameBytes[a.plan.rawValue])
            out.append(UInt8(ascii: "\""))
            if let ip = r.signupIP {
                out.append(",\"signup_ip\":\"")
                out.appendIP(ip)
                out.append(UInt8(ascii: "\""))
            }
            if r.signupClient >= 0 {
                out.append(",\"signup_user_agent\":\"")
                out.append(contentsOf: ClientCatalog.all[Int(r.signupClient)].userAgent)
                out.append(UInt8(ascii: "\""))
            }
            field(&out, "email_domain", r.emailDomain)
            field(&out, "phone_country", r.phoneCountry)
            if r.payment != 0 {
                out.append(",\"payment_fingerprint\":\"pf_")
                out.appendHex(r.payment, digits: 16)
                out.append(UInt8(ascii: "\""))
            }
            field(&out, "card_country", r.cardCountry)
            field(&out, "billing_country", r.billingCountry)
            field(&out, "kyc_status", r.kyc)
            out.append("}\n")
        }
        return out
    }

    static func labels(_ world: World) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(world.accounts.count * 90)
        for a in world.accounts {
            out.append("{\"account_id\":\"")
            out.append(contentsOf: a.id)
            out.append("\",\"label\":\"")
            out.append(contentsOf: a.population.label.bytes)
            if a.operatorIndex >= 0 {
                out.append("\",\"operator\":\"")
                out.append(contentsOf: world.operators[a.operatorIndex].name.bytes)
                out.append(UInt8(ascii: "\""))
            } else {
                out.append("\",\"operator\":null")
            }
            out.append(",\"population\":\"")
            out.append(contentsOf: a.population.rawValue.bytes)
            out.append("\"}\n")
        }
        return out
    }

    private static func field(_ out: inout [UInt8], _ name: StaticString, _ value: String?) {
        guard let value else { return }
        out.append(",\"")
        out.append(name)
        out.append("\":\"")
        out.append(contentsOf: value.bytes)
        out.append(UInt8(ascii: "\""))
    }
}
