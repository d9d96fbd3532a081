using System.ComponentModel.DataAnnotations;

namespace Autoscaler.Prometheus.Api;

/// <summary>Where Prometheus is and how to authenticate to it, with the settings KEDA and Nomad Autoscaler users know.</summary>
public sealed class PrometheusClientOptions
{
    /// <summary>Configuration section (environment: <c>Prometheus__Url=http://prometheus:9090</c>).</summary>
    public const string Section = "Prometheus";

    /// <summary>Base address of the Prometheus server; a path prefix (e.g. behind a proxy) is kept.</summary>
    [Required]
    public string Url { get; set; } = "http://127.0.0.1:9090";

    /// <summary>How long one request may take before it is reported as a timeout.</summary>
    [Range(typeof(TimeSpan), "00:00:00.001", "00:10:00")]
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Sent as <c>Authorization: Bearer …</c>; excludes <see cref="Username"/>/<see cref="Password"/>.</summary>
    public string? BearerToken { get; set; }

    /// <summary>
    /// A file holding the bearer token, instead of <see cref="BearerToken"/>; read again for every request, so a rotated token
    /// (e.g. a Kubernetes projected service-account token) is picked up.
    /// </summary>
    public string? BearerTokenFile { get; set; }

    /// <summary>User for HTTP basic authentication.</summary>
    public string? Username { get; set; }

    /// <summary>Password for HTTP basic authentication; needs <see cref="Username"/>.</summary>
    public string? Password { get; set; }

    /// <summary>A file holding the basic-authentication password, instead of <see cref="Password"/>; read again for every request.</summary>
    public string? PasswordFile { get; set; }

    /// <summary>Extra headers sent with every request (e.g. <c>X-Scope-OrgID</c> for Mimir or Thanos tenants).</summary>
    public Dictionary<string, string> Headers { get; set; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>PEM (or DER) file of the CA(s) that signed the server's certificate; only these are trusted.</summary>
    public string? CaCertificateFile { get; set; }

    /// <summary>PEM file of the client certificate presented to the server (mutual TLS); needs <see cref="ClientKeyFile"/>.</summary>
    public string? ClientCertificateFile { get; set; }

    /// <summary>PEM file of the private key of <see cref="ClientCertificateFile"/> (PKCS#8, PKCS#1 or SEC1, unencrypted).</summary>
    public string? ClientKeyFile { get; set; }

    /// <summary>Accept any server certificate. For test setups only.</summary>
    public bool InsecureSkipVerify { get; set; }
}
