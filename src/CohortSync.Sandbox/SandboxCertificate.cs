using System.Net;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace CohortSync.Sandbox;

/// <summary>
/// The throwaway certificate of the sandbox's HTTPS address: self-signed, RSA 2048, for <c>localhost</c>, <c>127.0.0.1</c>
/// and <c>::1</c>, valid for a day. Made once per process on first use and never written to disk or to a trust store;
/// clients trust it by pinning its SHA-256 hash (<see cref="CreatePinnedHandler"/>).
/// </summary>
public static class SandboxCertificate
{
    private static readonly Lazy<X509Certificate2> LazyCurrent = new(Create);

    /// <summary>The process's sandbox certificate (with its private key).</summary>
    public static X509Certificate2 Current => LazyCurrent.Value;

    /// <summary>
    /// A handler that trusts what the machine trusts, plus this one certificate (matched by its SHA-256 hash, and only for
    /// the names it was made for). Never a blanket accept-all.
    /// </summary>
    public static HttpClientHandler CreatePinnedHandler()
    {
        var pinned = Current.GetCertHash(HashAlgorithmName.SHA256);
        return new HttpClientHandler
        {
            ServerCertificateCustomValidationCallback = (_, certificate, _, errors) =>
                errors == SslPolicyErrors.None
                || (errors == SslPolicyErrors.RemoteCertificateChainErrors
                    && certificate is not null
                    && CryptographicOperations.FixedTimeEquals(certificate.GetCertHash(HashAlgorithmName.SHA256), pinned)),
        };
    }

    private static X509Certificate2 Create()
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=CohortSync sandbox", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("localhost");
        names.AddIpAddress(IPAddress.Loopback);
        names.AddIpAddress(IPAddress.IPv6Loopback);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1", "Server Authentication")], false));
        var now = DateTimeOffset.UtcNow;
        using var created = request.CreateSelfSigned(now.AddMinutes(-5), now.AddDays(1));

        // Exported and loaded again so that the private key is usable by SslStream on every platform.
        return X509CertificateLoader.LoadPkcs12(created.Export(X509ContentType.Pkcs12), null);
    }
}
