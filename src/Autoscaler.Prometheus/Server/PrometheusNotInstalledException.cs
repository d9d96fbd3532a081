namespace Autoscaler.Prometheus.Server;

/// <summary>The <c>prometheus</c> binary was not found; the message says how to install it.</summary>
public sealed class PrometheusNotInstalledException : Exception
{
    /// <summary>How to install Prometheus on the systems the project supports.</summary>
    public const string InstallHint = "install it with `apt-get install prometheus` (Debian/Ubuntu) or `brew install prometheus` (macOS)";

    /// <summary>Creates the exception with the standard message.</summary>
    public PrometheusNotInstalledException()
        : this($"prometheus was not found; {InstallHint}")
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public PrometheusNotInstalledException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and its cause.</summary>
    public PrometheusNotInstalledException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
