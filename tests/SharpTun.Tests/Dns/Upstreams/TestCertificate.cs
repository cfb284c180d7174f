using System.Net;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace SharpTun.Tests.Dns.Upstreams;

/// <summary>
/// A self-signed ECDSA certificate for <see cref="Name"/> and 127.0.0.1, made for one test run, and
/// a validation callback that trusts it alone (name checks still apply): the way a user trusts a
/// private server without switching validation off for everything.
/// </summary>
internal static class TestCertificate
{
    public const string Name = "dns.test";

    private static readonly Lazy<(X509Certificate2 Certificate, string CertificatePem, string KeyPem)> Made = new(Make);

    public static X509Certificate2 Certificate => Made.Value.Certificate;

    public static string CertificatePem => Made.Value.CertificatePem;

    public static string KeyPem => Made.Value.KeyPem;

    /// <summary>Accepts the test certificate when its only problem is the untrusted root.</summary>
    public static bool TrustTestCertificate(object sender, X509Certificate? certificate, X509Chain? chain, SslPolicyErrors errors) =>
        certificate is not null
        && certificate.GetCertHashString() == Certificate.GetCertHashString()
        && (errors & ~SslPolicyErrors.RemoteCertificateChainErrors) == SslPolicyErrors.None;

    private static (X509Certificate2, string, string) Make()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={Name}", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName(Name);
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], critical: false));
        using var made = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        // Through PKCS#12 so the private key is one SslStream can use as a server.
        var certificate = X509CertificateLoader.LoadPkcs12(made.Export(X509ContentType.Pkcs12), null);
        return (certificate, made.ExportCertificatePem(), key.ExportPkcs8PrivateKeyPem());
    }
}
