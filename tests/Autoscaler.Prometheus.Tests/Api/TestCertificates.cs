using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Autoscaler.Prometheus.Tests.Api;

/// <summary>A throw-away CA and certificates it issues, made fresh for each test.</summary>
internal static class TestCertificates
{
    private const string ServerAuth = "1.3.6.1.5.5.7.3.1";
    private const string ClientAuth = "1.3.6.1.5.5.7.3.2";

    public static X509Certificate2 CreateCa(string name)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        var now = TimeProvider.System.GetUtcNow();
        return request.CreateSelfSigned(now.AddMinutes(-5), now.AddDays(1));
    }

    /// <summary>A server certificate for <paramref name="dnsName"/> (and 127.0.0.1), signed by <paramref name="ca"/>.</summary>
    public static X509Certificate2 IssueServerCertificate(X509Certificate2 ca, string dnsName = "localhost") => Issue(ca, dnsName, ServerAuth);

    /// <summary>A client certificate named <paramref name="name"/>, signed by <paramref name="ca"/>.</summary>
    public static X509Certificate2 IssueClientCertificate(X509Certificate2 ca, string name) => Issue(ca, name, ClientAuth);

    /// <summary>Writes the certificate to <paramref name="certificateFile"/> and its private key (PKCS#8) to <paramref name="keyFile"/>, as PEM.</summary>
    public static async Task WritePemAsync(X509Certificate2 certificate, string certificateFile, string keyFile)
    {
        await File.WriteAllTextAsync(certificateFile, certificate.ExportCertificatePem());
        using var key = certificate.GetECDsaPrivateKey()!;
        await File.WriteAllTextAsync(keyFile, key.ExportPkcs8PrivateKeyPem());
    }

    private static X509Certificate2 Issue(X509Certificate2 ca, string name, string usage)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={name}", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName(name);
        if (usage == ServerAuth)
        {
            san.AddIpAddress(System.Net.IPAddress.Loopback);
        }

        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid(usage)], false));
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        var now = TimeProvider.System.GetUtcNow();
        using var issued = request.Create(ca, now.AddMinutes(-1), now.AddHours(12), RandomNumberGenerator.GetBytes(8));
        using var withKey = issued.CopyWithPrivateKey(key);
        // Round-trip through PKCS#12 so the private key is usable by SslStream on every platform.
        return X509CertificateLoader.LoadPkcs12(withKey.Export(X509ContentType.Pkcs12), null, X509KeyStorageFlags.Exportable);
    }
}
