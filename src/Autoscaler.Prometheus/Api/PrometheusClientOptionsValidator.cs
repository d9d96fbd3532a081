using System.Security.Cryptography;
using Autoscaler.Core.Options;
using Microsoft.Extensions.Options;

namespace Autoscaler.Prometheus.Api;

/// <summary>
/// Rules of <see cref="PrometheusClientOptions"/> that DataAnnotations cannot state: URL form, one kind of credentials, each secret
/// given one way, secret and CA files readable, a client certificate with its key.
/// </summary>
public sealed class PrometheusClientOptionsValidator : IValidateOptions<PrometheusClientOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, PrometheusClientOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var section = string.IsNullOrEmpty(name) ? PrometheusClientOptions.Section : name;
        var problems = new List<string>();

        if (!string.IsNullOrWhiteSpace(options.Url)
            && (!Uri.TryCreate(options.Url, UriKind.Absolute, out var url) || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps)))
        {
            problems.Add($"{section}:Url = {OptionsCheck.Show(options.Url)}: must be an absolute http:// or https:// URL, e.g. http://127.0.0.1:9090");
        }

        var bearer = !string.IsNullOrEmpty(options.BearerToken) || !string.IsNullOrEmpty(options.BearerTokenFile);
        var basic = !string.IsNullOrEmpty(options.Username) || !string.IsNullOrEmpty(options.Password) || !string.IsNullOrEmpty(options.PasswordFile);
        if (bearer && basic)
        {
            problems.Add($"{section}:BearerToken = (set): cannot be combined with {section}:Username/{section}:Password; use either a bearer token or basic authentication");
        }

        // Checked here, read again at every request (PrometheusHttp), so a rotated token is picked up.
        SecretFile.Resolve($"{section}:BearerToken", options.BearerToken, options.BearerTokenFile, problems);
        SecretFile.Resolve($"{section}:Password", options.Password, options.PasswordFile, problems);
        if ((!string.IsNullOrEmpty(options.Password) || !string.IsNullOrEmpty(options.PasswordFile)) && string.IsNullOrEmpty(options.Username))
        {
            problems.Add($"{section}:Username = (empty): is required when {section}:Password or {section}:PasswordFile is set (basic authentication)");
        }

        if (options.Username?.Contains(':', StringComparison.Ordinal) == true)
        {
            problems.Add($"{section}:Username = {options.Username}: must not contain ':' (basic authentication)");
        }

        ClientCertificateProblems(section, options, problems);

        foreach (var (header, value) in options.Headers)
        {
            if (string.IsNullOrWhiteSpace(header) || header.Any(c => c <= ' ' || c >= 127 || "()<>@,;:\\\"/[]?={}".Contains(c, StringComparison.Ordinal)))
            {
                problems.Add($"{section}:Headers:{header} = {OptionsCheck.Show(value)}: '{header}' is not a valid HTTP header name");
            }
            else if (value?.Any(c => c is '\r' or '\n') == true)
            {
                problems.Add($"{section}:Headers:{header} = (value): must not contain line breaks");
            }
            else if ((bearer || basic) && string.Equals(header, "Authorization", StringComparison.OrdinalIgnoreCase))
            {
                problems.Add($"{section}:Headers:Authorization = (set): conflicts with {(bearer ? $"{section}:BearerToken" : $"{section}:Username/{section}:Password")}; use only one");
            }
        }

        if (!string.IsNullOrEmpty(options.CaCertificateFile))
        {
            if (!File.Exists(options.CaCertificateFile))
            {
                problems.Add($"{section}:CaCertificateFile = {options.CaCertificateFile}: file not found");
            }

            if (options.InsecureSkipVerify)
            {
                problems.Add($"{section}:InsecureSkipVerify = true: contradicts {section}:CaCertificateFile (which asks for verification against that CA); set only one");
            }
        }

        return problems.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(problems);
    }

    private static void ClientCertificateProblems(string section, PrometheusClientOptions options, List<string> problems)
    {
        var certificate = options.ClientCertificateFile;
        var key = options.ClientKeyFile;
        if (string.IsNullOrEmpty(certificate) && string.IsNullOrEmpty(key))
        {
            return;
        }

        if (string.IsNullOrEmpty(certificate) || string.IsNullOrEmpty(key))
        {
            problems.Add(string.IsNullOrEmpty(key)
                ? $"{section}:ClientKeyFile = (empty): is required with {section}:ClientCertificateFile (mutual TLS needs the certificate and its key)"
                : $"{section}:ClientCertificateFile = (empty): is required with {section}:ClientKeyFile (mutual TLS needs the certificate and its key)");
            return;
        }

        var missing = new[] { ("ClientCertificateFile", certificate), ("ClientKeyFile", key) }.Where(f => !File.Exists(f.Item2)).ToList();
        foreach (var (name, path) in missing)
        {
            problems.Add($"{section}:{name} = {path}: file not found");
        }

        if (missing.Count == 0)
        {
            try
            {
                using var _ = PrometheusHttp.LoadClientCertificate(options);
            }
            catch (Exception e) when (e is CryptographicException or ArgumentException or IOException or UnauthorizedAccessException)
            {
                problems.Add($"{section}:ClientCertificateFile = {certificate}: cannot be used with {section}:ClientKeyFile = {key} ({e.Message.TrimEnd('.')}); "
                    + "both must be PEM, the key unencrypted and matching the certificate");
            }
        }
    }
}
