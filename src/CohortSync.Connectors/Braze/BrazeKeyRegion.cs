namespace CohortSync.Connectors.Braze;

/// <summary>Which of CohortSync's two partner API keys a cluster takes.</summary>
public enum BrazeKeyRegion
{
    /// <summary>The key Braze issues for every US cluster.</summary>
    Us,

    /// <summary>The key Braze issues for the EU clusters.</summary>
    Eu,
}
