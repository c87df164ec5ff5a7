namespace CohortSync.Sandbox.Amplitude;

/// <summary>Registers the Amplitude webhook sender and its routes under <c>/_sandbox/amplitude/webhooks</c>.</summary>
internal sealed class AmplitudeWebhookModule : ISandboxModule
{
    public void ConfigureServices(IServiceCollection services) => services.AddSingleton<AmplitudeWebhookSender>();

    public void Map(WebApplication app)
    {
        app.MapPost("/_sandbox/amplitude/webhooks/send", async (WebhookPlan plan, AmplitudeWebhookSender sender, CancellationToken ct) =>
        {
            try
            {
                return Results.Json(await sender.SendAsync(plan, ct));
            }
            catch (ArgumentException ex)
            {
                return Results.Problem(ex.Message, statusCode: StatusCodes.Status400BadRequest);
            }
        });
        app.MapPost("/_sandbox/amplitude/webhooks/release", async (AmplitudeWebhookSender sender, CancellationToken ct) => Results.Json(await sender.ReleaseAsync(ct)));
        app.MapGet("/_sandbox/amplitude/webhooks", (AmplitudeWebhookSender sender) => Results.Json(new { held = sender.Held }));
    }
}
