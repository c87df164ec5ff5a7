namespace CohortSync.Core.Ports;

/// <summary>
/// What a connector reports when one member can be in only one sync's audience at its destination (Productboard: a user
/// has one company), so two syncs on the same scope would take members from each other.
/// </summary>
/// <param name="Scope">The scope no two syncs may share (for example the vendor, host and credential); compared ordinally.</param>
/// <param name="Reason">Why, for the person whose definition is refused; never a secret or member data.</param>
public sealed record SyncExclusivity(string Scope, string Reason);
