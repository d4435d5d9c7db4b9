#include "collectives/select/best.h"

#include <algorithm>
#include <chrono>
#include <map>
#include <stdexcept>
#include <tuple>

#include "collectives/reduce/reduce.h"

namespace collbench {
namespace {

// What makes two calls the same for the choice.
using ShapeKey = std::tuple<int, std::size_t, std::size_t, DataType, ReduceOp, int, bool>;

ShapeKey keyOf(const Communicator& comm, const CollArgs& a) {
  return {comm.size(), a.send_count, a.recv_count, a.dtype, a.op, a.root, a.in_place};
}

// The memory a call may write: its receive buffer, and in place the input it lies in or holds
// (reduce-scatter's whole input, all-gather's whole output).
struct Span {
  std::byte* start;
  std::size_t bytes;
};

Span spanOf(const CollArgs& a) {
  auto* recv = static_cast<std::byte*>(a.recv);
  if (!a.in_place) return {recv, a.recvBytes()};
  auto* send = static_cast<std::byte*>(const_cast<void*>(a.send));
  std::byte* start = std::min(recv, send);
  return {start,
          static_cast<std::size_t>(std::max(recv + a.recvBytes(), send + a.sendBytes()) - start)};
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

class Best : public Algorithm {
 public:
  explicit Best(std::vector<std::unique_ptr<Algorithm>> candidates)
      : candidates_(std::move(candidates)) {}

  std::string name() const override { return "best"; }
  std::string collective() const override { return candidates_.front()->collective(); }
  std::string description() const override {
    std::string names;
    for (const auto& name : candidates()) names += (names.empty() ? "" : ", ") + name;
    return "per size, the fastest of " + names +
           " in a short calibration before the first call (the choice is recorded)";
  }
  std::vector<std::string> candidates() const override {
    std::vector<std::string> names;
    for (const auto& c : candidates_) names.push_back(c->name());
    return names;
  }
  std::vector<MemoryKind> memoryKinds() const override {
    return candidates_.front()->memoryKinds();
  }
  bool usesWorkspace() const override {
    return std::any_of(candidates_.begin(), candidates_.end(),
                       [](const auto& c) { return c->usesWorkspace(); });
  }
  int ownBuffers() const override { return 1; }  // the calibration's copy of the buffer
  bool supports(const Communicator& comm, const CollArgs& args) const override {
    return comm.bootstrap() != nullptr && !usable(comm, args).empty();
  }

  void prepare(Communicator& comm, const CollArgs& args) override {
    if (choices_.count(keyOf(comm, args)) == 0) choose(comm, args);
  }
  const AlgorithmChoice* choice(const Communicator& comm, const CollArgs& args) const override {
    const auto it = choices_.find(keyOf(comm, args));
    return it == choices_.end() ? nullptr : &it->second.choice;
  }
  // Every candidate once, without calibrating: a choice made on cold connections would favour
  // whichever candidate the calibration ran last.
  void warmUp(Communicator& comm, const CollArgs& args) override {
    for (Algorithm* a : usable(comm, args)) a->warmUp(comm, args);
  }
  void run(Communicator& comm, const CollArgs& args) override {
    prepare(comm, args);
    choices_.at(keyOf(comm, args)).algorithm->run(comm, args);
  }

 private:
  struct Chosen {
    Algorithm* algorithm;
    AlgorithmChoice choice;
  };

  std::vector<Algorithm*> usable(const Communicator& comm, const CollArgs& args) const {
    std::vector<Algorithm*> out;
    for (const auto& c : candidates_) {
      if (c->supports(comm, args)) out.push_back(c.get());
    }
    return out;
  }

  // This rank's median time of each candidate over kCalibrationRounds rounds. In each round
  // every candidate in turn runs kCalibrationRuns calls back to back after a barrier, as the
  // timed loop does (what one call leaves behind, ranks leaving at different times, is paid
  // by the next call of the same algorithm); the rounds take turns among the candidates, so
  // that a slow spell of a shared machine does not fall on one candidate alone.
  static std::vector<double> calibrate(Communicator& comm, const CollArgs& args,
                                       const std::vector<Algorithm*>& algos) {
    for (Algorithm* a : algos) {
      for (int i = 0; i < kCalibrationWarmup; ++i) a->run(comm, args);
    }
    std::vector<std::vector<double>> rounds(algos.size());
    for (int round = 0; round < kCalibrationRounds; ++round) {
      for (std::size_t c = 0; c < algos.size(); ++c) {
        comm.barrier();
        const auto t0 = std::chrono::steady_clock::now();
        for (int i = 0; i < kCalibrationRuns; ++i) algos[c]->run(comm, args);
        const std::chrono::duration<double, std::micro> took =
            std::chrono::steady_clock::now() - t0;
        rounds[c].push_back(took.count() / kCalibrationRuns);
      }
    }
    std::vector<double> medians;
    for (const auto& r : rounds) medians.push_back(median(r));
    return medians;
  }

  void choose(Communicator& comm, const CollArgs& args) {
    if (!comm.bootstrap())
      throw std::logic_error("best: the communicator has no bootstrap to agree on a choice");
    const std::vector<Algorithm*> algos = usable(comm, args);
    if (algos.empty()) throw std::logic_error("best: no candidate supports this call");
    const Span span = spanOf(args);
    const MemoryOps& ops = memoryOps(comm);
    const std::shared_ptr<std::byte> saved = ops.allocate(std::max<std::size_t>(span.bytes, 1));
    if (span.bytes > 0) ops.copy(saved.get(), span.start, span.bytes);
    const std::vector<double> mine = calibrate(comm, args, algos);
    if (span.bytes > 0) ops.copy(span.start, saved.get(), span.bytes);
    std::vector<double> all(mine.size() * static_cast<std::size_t>(comm.size()));
    comm.bootstrap()->allgather(mine.data(), mine.size() * sizeof(double), all.data());
    Chosen chosen{algos.front(), {}};
    double least = 0;
    for (std::size_t c = 0; c < algos.size(); ++c) {
      double slowest = 0;
      for (int r = 0; r < comm.size(); ++r) slowest = std::max(slowest, all[r * mine.size() + c]);
      chosen.choice.calibration_us.emplace_back(algos[c]->name(), slowest);
      if (c == 0 || slowest < least) least = slowest, chosen.algorithm = algos[c];
    }
    chosen.choice.algorithm = chosen.algorithm->name();
    chosen.choice.cost_form = chosen.algorithm->costForm();
    choices_.emplace(keyOf(comm, args), std::move(chosen));
  }

  std::vector<std::unique_ptr<Algorithm>> candidates_;
  std::map<ShapeKey, Chosen> choices_;
};

}  // namespace

std::unique_ptr<Algorithm> makeBest(std::vector<std::unique_ptr<Algorithm>> candidates) {
  return std::make_unique<Best>(std::move(candidates));
}

}  // namespace collbench
