using System.Globalization;
using CohortSync.Sandbox;

// Runs the sandboxes on their own: dotnet run --project src/CohortSync.Sandbox -- [port]
var port = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 0;
await using var sandbox = await SandboxHost.StartAsync(port);
Console.WriteLine($"CohortSync sandboxes listening on {sandbox.BaseAddress} and {sandbox.HttpsBaseAddress} (throwaway certificate, SHA-256 {sandbox.Certificate.GetCertHashString(System.Security.Cryptography.HashAlgorithmName.SHA256)})");
var stop = new TaskCompletionSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    stop.TrySetResult();
};
await stop.Task;
