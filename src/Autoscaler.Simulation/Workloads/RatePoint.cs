namespace Autoscaler.Simulation.Workloads;

/// <summary>From <paramref name="At"/> on, the rate is <paramref name="Rate"/> requests per second (until the next point).</summary>
public readonly record struct RatePoint(TimeSpan At, double Rate);
