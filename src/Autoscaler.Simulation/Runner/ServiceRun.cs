using Autoscaler.Simulation.Model;
using Autoscaler.Simulation.Observation;
using Autoscaler.Simulation.Results;
using Autoscaler.Simulation.Scenarios;

namespace Autoscaler.Simulation.Runner;

/// <summary>
/// One service's part of a run: its bound policies, its oracle's sizing, and the demand buffers of the chunk being
/// run (the demand, the oracle's need and target per step), filled once per chunk on one thread and read by every
/// policy's simulation. A single-service run has one; a run of several services one per service.
/// </summary>
internal sealed class ServiceRun
{
    private readonly long _stepTicks;
    private readonly double _perReplica;
    private readonly int[] _window;
    private long _filledTo; // steps [chunk start, _filledTo) are in the buffers
    private int _mostNeeded;

    /// <summary>Binds the policies of <paramref name="scenario"/> (a single-service scenario, or one service alone).</summary>
    /// <exception cref="ScenarioException">A policy reads a metric the simulator cannot observe.</exception>
    public ServiceRun(Scenario scenario)
    {
        Scenario = scenario;
        Context = ContextOf(scenario);
        _perReplica = SimulationRunner.OraclePerReplicaRate(Context.Curves, scenario.Slo);
        Policies = SimulationRunner.Bind(scenario, Context);
        Lookahead = (int)ReplicaSet.StartupSteps(scenario.Service, Context.StepSeconds);
        Demand = new double[SimulationRunner.ChunkSteps + Lookahead];
        Need = new int[SimulationRunner.ChunkSteps + Lookahead];
        Target = new int[SimulationRunner.ChunkSteps];
        _window = new int[SimulationRunner.ChunkSteps + Lookahead];
        _stepTicks = scenario.Step.Ticks;
    }

    public Scenario Scenario { get; }

    public RunContext Context { get; }

    public List<SimulationRunner.BoundPolicy> Policies { get; }

    public long TotalSteps => Context.TotalSteps;

    /// <summary>Steps between starting a replica and its first request: how far ahead the oracle looks.</summary>
    public int Lookahead { get; }

    /// <summary>The chunk's demand per step, and the lookahead after it.</summary>
    public double[] Demand { get; }

    /// <summary>The oracle's count per step (at most the service's replicas.max): the elasticity demand.</summary>
    public int[] Need { get; }

    /// <summary>The oracle's target per step: the most it needs within one start-up delay.</summary>
    public int[] Target { get; }

    /// <summary>Scored steps in which even replicas.max replicas break the SLO.</summary>
    public long OutOfReach { get; private set; }

    private static RunContext ContextOf(Scenario scenario)
    {
        var step = scenario.Step.TotalSeconds;
        var totalSteps = (long)Math.Round(scenario.Duration.TotalSeconds / step);
        var bucket = Math.Max(1, (totalSteps + SimulationRunner.MaxSeriesPoints - 1) / SimulationRunner.MaxSeriesPoints);
        var scoreFrom = Math.Clamp(scenario.ScoreFrom.Ticks / scenario.Step.Ticks, 0, totalSteps);
        return new RunContext(ServiceCurves.For(scenario.Service), scenario.Service, scenario.Observation, scenario.Slo, step, totalSteps, bucket, scenario.Seed, scoreFrom);
    }

    /// <summary>Reads the workload for steps [start, start + count) and the lookahead after them; sizes the oracle.</summary>
    public void Fill(long start, int count, CancellationToken cancellationToken)
    {
        // The workload is read once per step, in order, on this thread; the lookahead overlaps the next chunk.
        OutOfReach += SimulationRunner.Fill(Scenario.Workload, _stepTicks, start, (int)(_filledTo - start), count + Lookahead, _perReplica, Scenario.MaxReplicas, Context.ScoreFromStep, TotalSteps, Demand, Need, ref _mostNeeded, cancellationToken);
        _filledTo = start + count + Lookahead;
        SimulationRunner.SlidingMax(Need, count, Lookahead, Target, _window);
    }

    /// <summary>Carries the lookahead over to the front for the next chunk.</summary>
    public void Carry(int count)
    {
        Array.Copy(Demand, count, Demand, 0, Lookahead);
        Array.Copy(Need, count, Need, 0, Lookahead);
    }

    /// <summary>
    /// The simulation of <paramref name="policy"/> on this service, from the first chunk's buffers: the oracle starts with
    /// what it needs, a policy with replicas.initial within its own [min, max].
    /// </summary>
    /// Each simulation has a step of its own (a pipeline has state), its reads bound to its own replicas' scrapes, so
    /// one policy may run in several at once.
    public PolicySimulation Simulation(SimulationRunner.BoundPolicy policy)
    {
        if (policy.Spec is not { } spec)
        {
            return new(policy.Name, Context, null, null, Target[0]);
        }

        var reads = new SimulatedReads(read => SimulationRunner.Observe(Scenario, read));
        return new(policy.Name, Context, new SimulatedScaler(spec, VirtualClock.Epoch, reads.Bind), reads,
            Math.Clamp(Scenario.InitialReplicas, spec.MinReplicas, Math.Max(spec.MinReplicas, spec.MaxReplicas)));
    }

    /// <summary>The scores of <paramref name="simulations"/> (one per <see cref="Policies"/>, in order) once every step has run.</summary>
    public SimulationResult Result(IReadOnlyList<PolicySimulation> simulations, double wallSeconds)
    {
        var step = Context.StepSeconds;
        var oracle = simulations.Single(p => p.IsOracle).ReplicaSeconds;
        var oracleParameters = EffectiveParameters.Oracle(_perReplica, Scenario.Service.CapacityPerReplica, TimeSpan.FromSeconds(Lookahead * step), Scenario.Step, Scenario.MaxReplicas);
        var runs = simulations.Zip(Policies, (simulation, policy) => simulation.Finish(oracle, Scenario.CostPerReplicaHour) with
        {
            Parameters = policy.Spec is { } spec ? EffectiveParameters.Of(spec, SimulatedScaler.CheckIntervalOf(spec)) : oracleParameters,
        }).ToList();
        return new SimulationResult(Scenario.Name, Scenario.Seed, (TotalSteps - Context.ScoreFromStep) * step, step, Scenario.Slo, Scenario.CostPerReplicaHour, wallSeconds, runs)
        {
            MaxReplicas = Scenario.MaxReplicas,
            SloOutOfReachSeconds = OutOfReach * step,
            OracleMostNeeded = _mostNeeded,
        };
    }
}
