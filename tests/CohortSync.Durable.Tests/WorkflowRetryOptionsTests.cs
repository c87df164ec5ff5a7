using CohortSync.Core.Errors;
using CohortSync.Core.Members;
using Microsoft.DurableTask;

namespace CohortSync.Durable.Tests;

public sealed class WorkflowRetryOptionsTests
{
    [Theory]
    [InlineData(typeof(DestinationAuthException), true)]
    [InlineData(typeof(MalformedSourceException), true)]
    [InlineData(typeof(ArgumentNullException), true)] // a subclass of the BCL's ArgumentException
    [InlineData(typeof(RetryableDestinationException), false)]
    [InlineData(typeof(TimeoutException), false)]
    public void IsPermanent_FailureOfType_MatchesThePermanentList(Type type, bool expected)
    {
        // Arrange
        var failure = Failure(type.FullName!);

        // Act
        var permanent = WorkflowRetryOptions.IsPermanent(failure);

        // Assert
        Assert.Equal(expected, permanent);
    }

    [Fact]
    public void IsPermanent_HttpRequestException_IsRetryableAndDoesNotThrow()
    {
        // Arrange: several loaded assemblies forward this name to one type (where TaskFailureDetails.IsCausedBy throws).
        var failure = Failure(typeof(HttpRequestException).FullName!);

        // Act
        bool? permanent = null;
        var exception = Record.Exception(() => permanent = WorkflowRetryOptions.IsPermanent(failure));

        // Assert
        Assert.Null(exception);
        Assert.False(permanent);
    }

    [Fact]
    public void IsPermanent_UnknownTypeName_IsRetryable()
    {
        // Act
        var permanent = WorkflowRetryOptions.IsPermanent(Failure("Contoso.Vendor.NoSuchException"));

        // Assert
        Assert.False(permanent);
    }

    [Fact]
    public void IsPermanent_PermanentInnerFailure_IsPermanent()
    {
        // Arrange: how older worker extensions reported an activity's exception, wrapped.
        var failure = Failure(typeof(InvalidOperationException).FullName!, inner: Failure(typeof(DestinationRejectedException).FullName!));

        // Act
        var permanent = WorkflowRetryOptions.IsPermanent(failure);

        // Assert
        Assert.True(permanent);
        Assert.False(WorkflowRetryOptions.IsPermanent(Failure(typeof(InvalidOperationException).FullName!)));
    }

    [Fact]
    public void IsPermanent_NoFailure_IsFalse()
    {
        // Act / Assert
        Assert.False(WorkflowRetryOptions.IsPermanent(null));
    }

    [Fact]
    public void ToTaskOptions_RetryPolicy_KeepsTheBudget()
    {
        // Arrange (HandleFailure has no getter: that it declines permanent failures is shown on the engine, in SyncRunOrchestratorTests)
        var options = new WorkflowRetryOptions { MaxAttempts = 3, FirstInterval = TimeSpan.FromSeconds(2), MaxInterval = TimeSpan.FromSeconds(9) };

        // Act
        var policy = options.ToTaskOptions().Retry?.Policy;

        // Assert
        Assert.NotNull(policy);
        Assert.Equal(3, policy.MaxNumberOfAttempts);
        Assert.Equal(TimeSpan.FromSeconds(2), policy.FirstRetryInterval);
        Assert.Equal(TimeSpan.FromSeconds(9), policy.MaxRetryInterval);
    }

    private static TaskFailureDetails Failure(string type, TaskFailureDetails? inner = null) =>
        new(type, "boom", StackTrace: null, InnerFailure: inner, Properties: null);
}
