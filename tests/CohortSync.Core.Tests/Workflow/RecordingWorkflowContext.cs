using System.Globalization;
using System.Text.Json;
using CohortSync.Core.Workflow;

namespace CohortSync.Core.Tests.Workflow;

/// <summary>One activity call the workflow made.</summary>
/// <param name="Name">The activity.</param>
/// <param name="Input">The input as passed.</param>
/// <param name="Json">The input serialised with System.Text.Json, as an engine would store it.</param>
internal sealed record RecordedCall(string Name, object Input, string Json);

/// <summary>
/// A workflow context that records everything a workflow does (activity calls with their JSON inputs, completions,
/// timers, event waits) and answers from a script. Every activity stays in flight until the test (or
/// <see cref="WorkflowRunner"/>) completes it, so the test decides the interleaving: first in, first out by default, or
/// in a seeded random order.
/// </summary>
internal sealed class RecordingWorkflowContext : IWorkflowContext
{
    private readonly List<string> _log = [];
    private readonly List<RecordedCall> _calls = [];
    private readonly List<(string Name, Action Complete)> _inFlight = [];
    private readonly Dictionary<string, int> _maxInFlight = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Func<object, object>> _results = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Func<object, string?>> _failures = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Action<object>> _waiting = new(StringComparer.Ordinal);
    private readonly Dictionary<string, object> _scriptedEvents = new(StringComparer.Ordinal);
    private readonly Random? _completionOrder;

    /// <summary>Creates a context whose clock reads <paramref name="now"/>.</summary>
    /// <param name="now">The replay-safe time the workflow sees.</param>
    /// <param name="completionSeed">Null to complete activities first in, first out; a seed for a random (but repeatable) order.</param>
    public RecordingWorkflowContext(DateTimeOffset now, int? completionSeed = null)
    {
        CurrentUtcDateTime = now;
        _completionOrder = completionSeed is { } seed ? new Random(seed) : null;
    }

    public DateTimeOffset CurrentUtcDateTime { get; }

    /// <summary>Everything that happened, in order: calls, completions, failures, timers, waits and events.</summary>
    public IReadOnlyList<string> Log => _log;

    /// <summary>The activity calls, in the order the workflow made them.</summary>
    public IReadOnlyList<RecordedCall> Calls => _calls;

    /// <summary>How many activities are in flight now.</summary>
    public int InFlight => _inFlight.Count;

    /// <summary>The events the workflow is waiting for.</summary>
    public IReadOnlyCollection<string> WaitingFor => _waiting.Keys;

    /// <summary>The most calls of an activity that were ever in flight at once.</summary>
    public int MaxInFlight(string name) => _maxInFlight.GetValueOrDefault(name);

    /// <summary>The inputs of every call of an activity, in call order.</summary>
    public IReadOnlyList<T> InputsOf<T>(string name) => _calls.Where(c => c.Name == name).Select(c => (T)c.Input).ToList();

    /// <summary>Scripts the result of an activity.</summary>
    public RecordingWorkflowContext Returns<TInput>(string name, Func<TInput, object> result)
    {
        _results[name] = input => result((TInput)input);
        return this;
    }

    /// <summary>Scripts an activity to fail (after the engine's retries) when <paramref name="when"/> holds for its input.</summary>
    public RecordingWorkflowContext Fails<TInput>(string name, Func<TInput, bool> when, string message)
    {
        _failures[name] = input => when((TInput)input) ? message : null;
        return this;
    }

    /// <summary>Scripts an external event, raised by <see cref="TryRaiseScriptedEvent"/> once the workflow waits for it.</summary>
    public RecordingWorkflowContext WithEvent(string name, object value)
    {
        _scriptedEvents[name] = value;
        return this;
    }

    public Task<TResult> CallActivityAsync<TResult>(string name, object input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var json = JsonSerializer.Serialize(input, input.GetType());
        _calls.Add(new RecordedCall(name, input, json));
        _log.Add($"call {name} {json}");

        var completion = new TaskCompletionSource<TResult>();
        _inFlight.Add((name, () =>
        {
            if (_failures.TryGetValue(name, out var fails) && fails(input) is { } message)
            {
                _log.Add($"fail {name} {json}");
                completion.SetException(new WorkflowActivityException(name, typeof(InvalidOperationException).FullName!, message));
                return;
            }

            if (!_results.TryGetValue(name, out var result))
            {
                throw new InvalidOperationException($"the script has no result for activity '{name}'");
            }

            _log.Add($"done {name} {json}");
            completion.SetResult((TResult)result(input));
        }));
        _maxInFlight[name] = Math.Max(MaxInFlight(name), _inFlight.Count(f => f.Name == name));
        return completion.Task;
    }

    public Task CreateTimerAsync(DateTimeOffset fireAt, CancellationToken cancellationToken)
    {
        var label = "timer " + fireAt.ToString("O", CultureInfo.InvariantCulture);
        _log.Add(label);
        var completion = new TaskCompletionSource();
        _inFlight.Add(("timer", () =>
        {
            _log.Add("fired " + label);
            completion.SetResult();
        }));
        return completion.Task;
    }

    public Task<T> WaitForEventAsync<T>(string name)
    {
        _log.Add($"wait {name}");
        var completion = new TaskCompletionSource<T>();
        _waiting.Add(name, value => completion.SetResult((T)value));
        return completion.Task;
    }

    /// <summary>Delivers an event the workflow is waiting for.</summary>
    public void RaiseEvent(string name, object value)
    {
        if (!_waiting.Remove(name, out var deliver))
        {
            throw new InvalidOperationException($"the workflow is not waiting for '{name}'");
        }

        _log.Add($"raise {name} {JsonSerializer.Serialize(value, value.GetType())}");
        deliver(value);
    }

    /// <summary>Completes one in-flight activity or timer; false when none is in flight.</summary>
    public bool TryCompleteNext()
    {
        if (_inFlight.Count == 0)
        {
            return false;
        }

        var index = _completionOrder?.Next(_inFlight.Count) ?? 0;
        var (_, complete) = _inFlight[index];
        _inFlight.RemoveAt(index);
        complete();
        return true;
    }

    /// <summary>Completes the activity or timer that went in flight last; false when none is in flight.</summary>
    public bool TryCompleteNewest()
    {
        if (_inFlight.Count == 0)
        {
            return false;
        }

        var (_, complete) = _inFlight[^1];
        _inFlight.RemoveAt(_inFlight.Count - 1);
        complete();
        return true;
    }

    /// <summary>Raises a scripted event the workflow waits for; false when there is none.</summary>
    public bool TryRaiseScriptedEvent()
    {
        var name = _waiting.Keys.FirstOrDefault(_scriptedEvents.ContainsKey);
        if (name is null)
        {
            return false;
        }

        RaiseEvent(name, _scriptedEvents[name]);
        return true;
    }
}
