using CohortSync.Core.Ports;

namespace CohortSync.Core.Sources;

/// <summary>A member source factory for one source type; <see cref="MemberSourceRouter"/> routes to it.</summary>
public interface ITypedMemberSourceFactory : IMemberSourceFactory
{
    /// <summary>The source type it opens (<c>file</c>, <c>amplitude</c>).</summary>
    string SourceType { get; }
}
