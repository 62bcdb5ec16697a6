/// How `LogFollower` follows its sources.
public struct FollowOptions: Sendable {
    /// On a first run (nothing to resume), start files that exist already at their end, so
    /// only lines written from now on count; files that appear later are read whole.
    public var startAtEnd = false
    /// Bytes read at once from a file.
    public var readBytes = 1 << 20
    /// Longer lines are skipped (and counted).
    public var maxLineBytes = 1 << 20
    /// A file renamed away or deleted is read until it has not grown for this long (a
    /// writer may still append before it reopens its log).
    public var graceSeconds = 2.0
    /// Folders are listed this often for new files.
    public var rescanSeconds = 1.0
    /// A compressed file is read once its size has not changed for this long and it ends
    /// properly (a rotator writing it has finished).
    public var settleSeconds = 2.0
    /// A file in a watched folder that has not grown for this long is closed (it is opened
    /// again, where it stopped, if it grows).
    public var idleCloseSeconds = 300.0
    /// Finished streams are remembered this long, to recognise a rotator's copies of them.
    public var forgetSeconds = 7 * 86_400.0

    public init() {}
}
