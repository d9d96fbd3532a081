using Autoscaler.Core.PolicyFiles;

namespace Autoscaler.Simulation.Workloads;

/// <summary>A rate pattern's parameters or a trace file are unusable; the message names the problem (and the file and line).</summary>
public sealed class InvalidWorkloadException : Exception
{
    /// <summary>Creates the exception with a message meant for the user.</summary>
    public InvalidWorkloadException(string message)
        : base(PolicyProblem.OneLine(message))
    {
    }

    /// <summary>Creates the exception with a message meant for the user and the error behind it.</summary>
    public InvalidWorkloadException(string message, Exception innerException)
        : base(PolicyProblem.OneLine(message), innerException)
    {
    }


    /// <summary>Creates the exception with a generic message.</summary>
    public InvalidWorkloadException()
        : base("invalid workload")
    {
    }
}
