using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace SharpTun.EndToEnd;

/// <summary>
/// Real answers in <c>sharptun exec</c>: <c>--dns real</c> against the remote namespace's dnsmasq
/// over UDP (with the TCP fallback for an answer too big for UDP), and over DNS-over-TLS through
/// socat terminating TLS in front of that dnsmasq, trusted or not.
/// </summary>
public sealed class ExecDnsUpstreamTests : IDisposable
{
    private const string TlsName = "dns.test";

    private readonly ProxyTestbed _bed = new();

    public void Dispose() => _bed.Dispose();

    [Fact]
    public void ExecDnsReal_SystemUpstream_RealAddressesAndBigAnswersOverTcp()
    {
        // exec runs in the client namespace, whose resolv.conf names dnsmasq: "system" is dnsmasq.
        _bed.StartNameServer();
        var run = _bed.Sharptun("exec", "--dns", "real", "--", "sh", "-c",
            $"dig +short +time=3 +tries=1 {ProxyTestbed.WebName}; dig +short +time=3 +tries=1 TXT {ProxyTestbed.BigName} | wc -l; "
            + $"dig +time=3 +tries=1 nothing.{ProxyTestbed.WebName}x | grep -o 'status: [A-Z]*'");

        Assert.True(run.ExitCode == 0, run.ToString());
        // The TXT answer (about 2 KB) exceeds dig's 1232-byte EDNS size: TC over UDP, then dig asks over TCP.
        Assert.Equal($"{ProxyTestbed.RemoteV4}\n10\nstatus: REFUSED\n", run.StandardOutput);
    }

    [Fact]
    public void ExecDnsReal_TlsUpstreamInTheRemoteNamespace_TrustedAnswersUntrustedRefused()
    {
        _bed.StartNameServer(clientUsesIt: false);
        var (certificate, key) = WriteCertificate();
        _bed.StartServer(853, "tcp", "socat", $"OPENSSL-LISTEN:853,bind={ProxyTestbed.RemoteV4},reuseaddr,fork,cert={certificate},key={key},verify=0",
            $"TCP4:{ProxyTestbed.RemoteV4}:53");
        string[] exec = ["exec", "--dns", "real", "--dns-upstream", $"tls://{ProxyTestbed.RemoteV4}#{TlsName}", "--", "sh", "-c",
            $"dig +short +time=4 +tries=1 {ProxyTestbed.WebName}; dig +time=4 +tries=1 TXT {ProxyTestbed.BigName} | grep -c '^{ProxyTestbed.BigName}'"];

        // OpenSSL (under .NET's certificate checks) takes SSL_CERT_FILE as the trust store.
        var trusted = _bed.Client.Exec("env", [$"SSL_CERT_FILE={certificate}", "dotnet", SharptunProcess.DllPath, .. exec], TimeSpan.FromSeconds(60));
        var untrusted = _bed.Sharptun([.. exec[..^1], $"dig +time=4 +tries=1 {ProxyTestbed.WebName} | grep -o 'status: [A-Z]*'"]);

        Assert.True(trusted.ExitCode == 0, trusted.ToString());
        Assert.Equal($"{ProxyTestbed.RemoteV4}\n10\n", trusted.StandardOutput);
        Assert.True(untrusted.ExitCode == 0, untrusted.ToString());
        Assert.Equal("status: SERVFAIL\n", untrusted.StandardOutput);
        Assert.Contains($"tls://{ProxyTestbed.RemoteV4}:853#{TlsName}", untrusted.StandardError); // the failure names the upstream
    }

    /// <summary>A self-signed certificate for <see cref="TlsName"/>, PEM certificate and key files in the testbed's directory.</summary>
    private (string Certificate, string Key) WriteCertificate()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={TlsName}", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName(TlsName);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: true, hasPathLengthConstraint: false, 0, critical: true));
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-5), DateTimeOffset.UtcNow.AddDays(1));
        return (_bed.WriteFile("dot.crt", certificate.ExportCertificatePem()), _bed.WriteFile("dot.key", key.ExportPkcs8PrivateKeyPem()));
    }
}
