namespace CohortSync.Connectors.Braze;

/// <summary>How a Braze destination records cohort membership.</summary>
public enum BrazeMembershipMode
{
    /// <summary>An array custom attribute of cohort names, changed with <c>add</c> / <c>remove</c> through <c>/users/track</c>.</summary>
    ArrayAttribute,

    /// <summary>One boolean custom attribute per cohort through <c>/users/track</c>: true on entry, false on exit.</summary>
    BooleanAttribute,

    /// <summary>Braze's partner cohort import (a technology partner's key on the partner's path).</summary>
    PartnerCohort,
}
