namespace Autoscaler.Simulation.Reports;

/// <summary>The report could not be written where it was asked for; the message names the path.</summary>
public sealed class ReportOutputException : IOException
{
    /// <summary>Creates the exception.</summary>
    public ReportOutputException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public ReportOutputException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and the failure underneath.</summary>
    public ReportOutputException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
