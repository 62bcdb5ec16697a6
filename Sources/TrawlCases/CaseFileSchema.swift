/// The JSON Schema (draft 2020-12) of `case.json`, as shipped in `case.schema.json`
/// (compiled into the module, so every build carries the schema its files follow).
public enum CaseFileSchema {
    /// The schema's `$id`.
    public static let id = "urn:trawl:schema:case:\(CaseFile.schemaVersion)"

    /// The schema's text (UTF-8 JSON).
    public static var text: String { String(decoding: PackageResources.case_schema_json, as: UTF8.self) }
}
