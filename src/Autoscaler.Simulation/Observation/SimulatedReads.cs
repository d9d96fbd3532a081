using Autoscaler.Core.Metrics;
using Autoscaler.Core.Pipeline;
using Autoscaler.Simulation.Runner;

namespace Autoscaler.Simulation.Observation;

/// <summary>
/// The simulator's binding of one policy's reads (<see cref="ScalingStep.Build"/>): each query is read from the scrape
/// history of that policy's simulated replicas, as <paramref name="resolve"/> recognises it (the scenario's observation
/// metric of that name, or a query the simulator knows); a <c>fixed</c> rule reads nothing, as in the live scaler.
/// The scrape history is made once every read is bound (<see cref="Start"/>), as long as the longest window needs.
/// </summary>
internal sealed class SimulatedReads(Func<MetricRead, ObservedMetric?> resolve)
{
    private ScrapeHistory? _history;
    private TimeSpan _longest;
    private bool _observes;

    /// <summary>The step being evaluated: what the bound sources read at.</summary>
    public long Now { get; set; }

    /// <summary>Whether any read needs the scrapes (<see cref="Record"/> is then called at every scrape).</summary>
    public bool Observes => _history is not null;

    /// <summary>The source of <paramref name="read"/>; a query the scenario cannot observe was refused before the run.</summary>
    public IMetricSource Bind(MetricRead read)
    {
        if (read.Query.Length == 0)
        {
            return new NothingToRead(read.Name);
        }

        var observed = resolve(read)
            ?? throw new InvalidOperationException($"metric '{read.Name}': the simulator cannot observe '{read.Query}' (refused when the scenario was bound)");
        _observes = true;
        _longest = observed.Window > _longest ? observed.Window : _longest;
        return new ObservedSource(this, read.Name, observed);
    }

    /// <summary>Makes the scrape history, once every read is bound: a scrape every <paramref name="scrapeInterval"/>.</summary>
    public void Start(TimeSpan scrapeInterval, double stepSeconds, long seed) =>
        _history = _observes ? new ScrapeHistory(_longest, scrapeInterval, stepSeconds, seed) : null;

    /// <summary>Keeps one scrape.</summary>
    public void Record(in ScrapeSample sample) => _history!.Record(sample);

    private sealed class ObservedSource(SimulatedReads reads, string name, ObservedMetric metric) : IMetricSource
    {
        // The noise stream of this metric: the same for every policy that reads a metric of this name.
        private readonly ulong _stream = CounterRandom.Stream(name);

        public string Name => name;

        public ValueTask<MetricReading> ReadAsync(CancellationToken cancellationToken) => new(reads._history!.Read(metric, _stream, reads.Now));
    }
}
