using Autoscaler.Simulation.Workloads;

namespace Autoscaler.Cli.Load;

/// <summary>
/// When each request is meant to be sent: request k (k = 0, 1, 2, …) is due where the integral of the rate
/// reaches k, so the first goes at once and a run whose integral is N has N requests (its end is exclusive).
/// The integral advances in small steps (1 ms by default), taking the rate at the middle of each step, which
/// is exact for constant and linear stretches and for steps that change on the grid; within a step the due
/// time is interpolated. A request whose count is reached exactly at the end of a step waits for the next
/// step with a positive rate, so a rate that drops to 0 does not send one more at the drop.
/// </summary>
internal sealed class SendSchedule
{
    private const double RelativeTolerance = 1e-9;
    private readonly IRatePattern _pattern;
    private readonly double _endSeconds;
    private readonly long _endTicks;
    private readonly double _stepSeconds;
    private long _stepIndex = -1;
    private double _stepStart;
    private double _stepEnd;
    private double _stepRate;
    private double _integralAtStepStart;
    private bool _finished;

    public SendSchedule(IRatePattern pattern, TimeSpan end, TimeSpan? step = null)
    {
        ArgumentNullException.ThrowIfNull(pattern);
        var stepLength = step ?? TimeSpan.FromMilliseconds(1);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(stepLength, TimeSpan.Zero, nameof(step));
        ArgumentOutOfRangeException.ThrowIfLessThan(end, TimeSpan.Zero, nameof(end));
        _pattern = pattern;
        _endSeconds = end.TotalSeconds;
        _endTicks = end.Ticks;
        _stepSeconds = stepLength.TotalSeconds;
        Advance();
    }

    /// <summary>Requests handed out so far.</summary>
    public long Count { get; private set; }

    /// <summary>Integral of the rate from the start to the end of the step the schedule has reached.</summary>
    public double IntegralSoFar => _integralAtStepStart + (_stepRate * (_stepEnd - _stepStart));

    /// <summary>Offset from the start at which the next request is due; false when the run's end comes first.</summary>
    public bool TryNext(out TimeSpan intended)
    {
        double target = Count;
        while (!_finished)
        {
            var integralAtStepEnd = _integralAtStepStart + (_stepRate * (_stepEnd - _stepStart));
            if (integralAtStepEnd - (RelativeTolerance * Math.Max(1, target)) > target && _stepRate > 0)
            {
                var seconds = Math.Clamp(_stepStart + ((target - _integralAtStepStart) / _stepRate), _stepStart, _stepEnd);
                var ticks = (long)Math.Round(seconds * TimeSpan.TicksPerSecond);
                if (ticks >= _endTicks)
                {
                    _finished = true;
                    break;
                }

                Count++;
                intended = TimeSpan.FromTicks(ticks);
                return true;
            }

            _integralAtStepStart = integralAtStepEnd;
            Advance();
        }

        intended = default;
        return false;
    }

    private void Advance()
    {
        _stepIndex++;
        _stepStart = _stepIndex * _stepSeconds; // multiply, not add, so that long runs do not drift
        if (_stepStart >= _endSeconds - 1e-12)
        {
            _finished = true;
            _stepEnd = _stepStart;
            _stepRate = 0;
            return;
        }

        _stepEnd = Math.Min((_stepIndex + 1) * _stepSeconds, _endSeconds);
        var rate = _pattern.RateAt(TimeSpan.FromSeconds((_stepStart + _stepEnd) / 2));
        _stepRate = double.IsFinite(rate) && rate > 0 ? rate : 0;
    }
}
