namespace CohortSync.Sandbox.Pushwoosh;

// How a device's tag operations change the store: unknown users and skipped users are reported, never created or changed.
internal sealed partial class PushwooshStore
{
    /// <summary>Applies one device's tag changes; returns why it could not (an error, or a skip), or null.</summary>
    public DeviceError? Apply(string application, DeviceOperation device)
    {
        lock (_gate)
        {
            if (device.IdentifierKind != "user_id")
            {
                // The sandbox models users only; a hwid or push token matches no device.
                return new DeviceError(device.IdentifierKind, device.Identifier, "device_not_found", "device not found");
            }

            var known = AcceptAnyUser || (_users.TryGetValue(application, out var users) && users.Contains(device.Identifier));
            if (!known)
            {
                return new DeviceError(device.IdentifierKind, device.Identifier, "user_not_found", "user not found");
            }

            if (_skips.TryGetValue(device.Identifier, out var skip))
            {
                return new DeviceError(device.IdentifierKind, device.Identifier, skip, "user skipped", Skipped: true);
            }

            if (!_values.TryGetValue((application, device.Identifier), out var values))
            {
                _values[(application, device.Identifier)] = values = new Dictionary<string, object>(StringComparer.Ordinal);
            }

            foreach (var operation in device.Tags)
            {
                ApplyOperation(values, operation, device.Identifier);
            }

            return null;
        }
    }

    private void ApplyOperation(Dictionary<string, object> values, TagOperation operation, string user)
    {
        if (operation.Scalar is not null)
        {
            values[operation.Tag] = operation.Scalar.ToJsonString();
            return;
        }

        if (values.GetValueOrDefault(operation.Tag) is not HashSet<string> set || operation.Operator == "set")
        {
            values[operation.Tag] = set = new HashSet<string>(StringComparer.Ordinal);
        }

        foreach (var value in operation.Values)
        {
            if (operation.Operator == "remove")
            {
                set.Remove(value);
                continue;
            }

            set.Add(value);
            if (operation.Operator == "append")
            {
                Appends.AddOrUpdate($"{operation.Tag}|{value}|{user}", 1, (_, n) => n + 1);
            }
        }
    }
}
