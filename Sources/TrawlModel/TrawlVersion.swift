/// The version of this build of Trawl: `trawl --version`, and what runs and case files
/// record as the software that produced them.
public enum TrawlVersion {
    /// Semantic version of the command-line tool and its outputs.
    public static let current = "0.1.0"
}
