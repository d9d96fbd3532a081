using System.Net.Http.Headers;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Autoscaler.Core.Options;

namespace Autoscaler.Prometheus.Api;

/// <summary>Builds the <see cref="HttpClient"/> a <see cref="PrometheusClient"/> uses, with the TLS settings of the options.</summary>
public static class PrometheusHttp
{
    /// <summary>
    /// A handler that verifies the server the way the options ask (system roots, a custom CA, or not at all) and presents the
    /// client certificate when there is one.
    /// </summary>
    public static SocketsHttpHandler CreateHandler(PrometheusClientOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var handler = new SocketsHttpHandler
        {
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            ConnectTimeout = options.Timeout,
        };
        var validate = CreateCertificateValidator(options);
        if (validate is not null)
        {
            handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, chain, errors) =>
                validate(certificate as X509Certificate2, chain, errors);
        }

        if (!string.IsNullOrEmpty(options.ClientCertificateFile))
        {
            handler.SslOptions.ClientCertificates = [LoadClientCertificate(options)];
        }

        return handler;
    }

    /// <summary>An <see cref="HttpClient"/> over <see cref="CreateHandler"/>; the client applies timeouts itself.</summary>
    public static HttpClient CreateHttpClient(PrometheusClientOptions options) =>
        new(CreateHandler(options), disposeHandler: true) { Timeout = System.Threading.Timeout.InfiniteTimeSpan };

    /// <summary>
    /// The server-certificate check the options call for: null for the system default, accept-all for
    /// <see cref="PrometheusClientOptions.InsecureSkipVerify"/>, or chain-to-these-CAs for
    /// <see cref="PrometheusClientOptions.CaCertificateFile"/> (which, as in Go's <c>RootCAs</c>, replaces the system roots).
    /// </summary>
    internal static Func<X509Certificate2?, X509Chain?, SslPolicyErrors, bool>? CreateCertificateValidator(PrometheusClientOptions options)
    {
        if (options.InsecureSkipVerify)
        {
            return static (_, _, _) => true;
        }

        if (string.IsNullOrEmpty(options.CaCertificateFile))
        {
            return null;
        }

        var roots = LoadCertificates(options.CaCertificateFile);
        return (certificate, presented, errors) =>
        {
            if (certificate is null || (errors & (SslPolicyErrors.RemoteCertificateNotAvailable | SslPolicyErrors.RemoteCertificateNameMismatch)) != 0)
            {
                return false;
            }

            using var chain = new X509Chain();
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.AddRange(roots);
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            if (presented is not null)
            {
                // Intermediates the server sent along with its certificate.
                foreach (var element in presented.ChainElements)
                {
                    chain.ChainPolicy.ExtraStore.Add(element.Certificate);
                }
            }

            return chain.Build(certificate);
        };
    }

    /// <summary>Reads every certificate of a PEM bundle, or the one certificate of a DER file.</summary>
    internal static X509Certificate2Collection LoadCertificates(string path)
    {
        var certificates = new X509Certificate2Collection();
        try
        {
            certificates.ImportFromPemFile(path);
        }
        catch (CryptographicException)
        {
        }

        if (certificates.Count == 0)
        {
            try
            {
                certificates.Add(X509CertificateLoader.LoadCertificateFromFile(path));
            }
            catch (CryptographicException e)
            {
                throw new InvalidOperationException($"{PrometheusClientOptions.Section}:CaCertificateFile = {path}: no certificate could be read ({e.Message})", e);
            }
        }

        return certificates;
    }

    /// <summary>
    /// The client certificate of <see cref="PrometheusClientOptions.ClientCertificateFile"/> with the key of
    /// <see cref="PrometheusClientOptions.ClientKeyFile"/>, in the form TLS can present on every platform.
    /// </summary>
    /// <exception cref="CryptographicException">The files are not a PEM certificate and its matching key.</exception>
    internal static X509Certificate2 LoadClientCertificate(PrometheusClientOptions options)
    {
        using var pem = X509Certificate2.CreateFromPemFile(options.ClientCertificateFile!, options.ClientKeyFile);
        if (!pem.HasPrivateKey)
        {
            throw new CryptographicException("the key file holds no private key");
        }

        // A key read from PEM is ephemeral, which Windows' TLS cannot use; a PKCS#12 round trip makes it a stored one.
        return X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pkcs12), null);
    }

    /// <summary>
    /// The <c>Authorization</c> header the options ask for, or null. Secret files are read here, at every request, so a
    /// rotated token is used as soon as it is written.
    /// </summary>
    /// <exception cref="IOException">A secret file cannot be read.</exception>
    /// <exception cref="UnauthorizedAccessException">A secret file may not be read.</exception>
    internal static AuthenticationHeaderValue? Authorization(PrometheusClientOptions options)
    {
        var token = string.IsNullOrEmpty(options.BearerTokenFile) ? options.BearerToken : SecretFile.Read(options.BearerTokenFile);
        if (!string.IsNullOrEmpty(token))
        {
            return new AuthenticationHeaderValue("Bearer", token);
        }

        if (!string.IsNullOrEmpty(options.Username))
        {
            var password = string.IsNullOrEmpty(options.PasswordFile) ? options.Password : SecretFile.Read(options.PasswordFile);
            var pair = Encoding.UTF8.GetBytes($"{options.Username}:{password}");
            return new AuthenticationHeaderValue("Basic", Convert.ToBase64String(pair));
        }

        return null;
    }
}
