using System.Runtime.InteropServices;
using CohortSync.Sandbox;

// Runs the sandboxes on their own: dotnet CohortSync.Sandbox.dll [--demo] [port]
// --demo seeds them for the README's run command (see SandboxDemo). Stops on Ctrl+C or SIGTERM.
var demo = args.Contains("--demo");
var port = args.Where(a => a != "--demo").Select(a => int.Parse(a, System.Globalization.CultureInfo.InvariantCulture)).FirstOrDefault();
await using var sandbox = await SandboxHost.StartAsync(port, demo: demo);
Console.WriteLine($"CohortSync sandboxes listening on {sandbox.BaseAddress} and {sandbox.HttpsBaseAddress} (throwaway certificate, SHA-256 {sandbox.Certificate.GetCertHashString(System.Security.Cryptography.HashAlgorithmName.SHA256)})");
var stop = new TaskCompletionSource();
using var onTerm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
{
    context.Cancel = true;
    stop.TrySetResult();
});
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    stop.TrySetResult();
};
await stop.Task;
