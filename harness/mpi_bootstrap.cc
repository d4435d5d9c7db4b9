#include "harness/mpi_bootstrap.h"

#include <climits>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <vector>

#include "harness/exit_status.h"
#include "harness/say.h"

namespace collbench {
namespace {

// Polls `req` until it completes or `deadline` passes, sleeping between tests (MPI's blocking
// calls spin); returns whether it completed.
bool testUntil(MPI_Request* req, std::chrono::steady_clock::time_point deadline) {
  int done = 0;
  while (MPI_Test(req, &done, MPI_STATUS_IGNORE) == MPI_SUCCESS && !done) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return true;
}

std::string missingRanks(std::vector<MPI_Request>& hellos) {
  std::string missing;
  for (std::size_t r = 1; r < hellos.size(); ++r) {
    int done = 0;
    MPI_Test(&hellos[r], &done, MPI_STATUS_IGNORE);
    if (!done) missing += (missing.empty() ? "" : ", ") + std::to_string(r);
  }
  return missing;
}

// Bounds start-up: every rank says hello to rank 0, which answers once all have. Returns ""
// when the job is complete, else a message naming the ranks that never joined (rank 0) or
// saying that rank 0 did not answer (the others, which wait a little longer so that rank 0's
// message comes first). Uses point-to-point calls only: a collective would hang.
std::string awaitAllRanks(std::chrono::milliseconds limit) {
  constexpr int kTag = 0x6362;
  int rank = 0, size = 1, one = 1;
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  const auto start = std::chrono::steady_clock::now();
  std::ostringstream within;
  within << " within " << static_cast<double>(limit.count()) / 1000 << " s";
  if (rank != 0) {
    MPI_Send(&one, 1, MPI_INT, 0, kTag, MPI_COMM_WORLD);
    MPI_Request go;
    MPI_Irecv(&one, 1, MPI_INT, 0, kTag, MPI_COMM_WORLD, &go);
    if (testUntil(&go, start + limit + std::chrono::seconds(5))) return "";
    return "rank 0 did not confirm that every rank joined" + within.str();
  }
  std::vector<int> flags(size);
  std::vector<MPI_Request> hellos(size, MPI_REQUEST_NULL);
  for (int r = 1; r < size; ++r) {
    MPI_Irecv(&flags[r], 1, MPI_INT, r, kTag, MPI_COMM_WORLD, &hellos[r]);
  }
  for (int r = 1; r < size; ++r) {
    if (!testUntil(&hellos[r], start + limit)) {
      return "rank(s) " + missingRanks(hellos) + " did not join" + within.str() +
             " (never reached MPI_Init, or hung before it)";
    }
  }
  for (int r = 1; r < size; ++r) MPI_Send(&one, 1, MPI_INT, r, kTag, MPI_COMM_WORLD);
  return "";
}

}  // namespace

MpiBootstrap::MpiBootstrap(MPI_Comm comm, bool owns) : comm_(comm), owns_(owns) {
  MPI_Comm_rank(comm, &rank_);
  MPI_Comm_size(comm, &size_);
  char name[MPI_MAX_PROCESSOR_NAME];
  int len = 0;
  MPI_Get_processor_name(name, &len);
  hostname_.assign(name, len);
  MPI_Comm local;
  MPI_Comm_split_type(comm, MPI_COMM_TYPE_SHARED, rank_, MPI_INFO_NULL, &local);
  MPI_Comm_rank(local, &local_rank_);
  MPI_Comm_size(local, &local_size_);
  local_leader_ = rank_;
  MPI_Bcast(&local_leader_, 1, MPI_INT, 0, local);
  MPI_Comm_free(&local);
}

MpiBootstrap::~MpiBootstrap() {
  if (owns_) MPI_Comm_free(&comm_);
  if (comm_ == MPI_COMM_WORLD) MPI_Finalize();
}

void MpiBootstrap::allgather(const void* in, std::size_t bytes, void* out) {
  if (bytes > static_cast<std::size_t>(INT_MAX)) throw std::length_error("allgather too large");
  MPI_Allgather(in, static_cast<int>(bytes), MPI_BYTE, out, static_cast<int>(bytes), MPI_BYTE,
                comm_);
}

void MpiBootstrap::barrier() { MPI_Barrier(comm_); }

std::unique_ptr<Bootstrap> MpiBootstrap::firstRanks(int k) {
  const bool member = rank_ < k;
  MPI_Comm sub = MPI_COMM_NULL;
  MPI_Comm_split(comm_, member ? 0 : MPI_UNDEFINED, rank_, &sub);
  if (!member) return nullptr;
  return std::make_unique<MpiBootstrap>(sub, /*owns=*/true);
}

std::uint64_t MpiBootstrap::maxOverRanks(std::uint64_t mine) {
  MPI_Request done;
  MPI_Iallreduce(MPI_IN_PLACE, &mine, 1, MPI_UINT64_T, MPI_MAX, comm_, &done);
  testUntil(&done, std::chrono::steady_clock::time_point::max());
  return mine;
}

void MpiBootstrap::abort(int code) {
  MPI_Abort(comm_, code);
  std::_Exit(code);
}

std::unique_ptr<JobBootstrap> startMpiBootstrap(const Options& options, int& argc, char**& argv) {
  MPI_Init(&argc, &argv);
  const std::string missing = awaitAllRanks(options.comm.timeout);
  if (!missing.empty()) {
    say("error: " + missing);
    MPI_Abort(MPI_COMM_WORLD, kExitRuntime);
    std::_Exit(kExitRuntime);
  }
  return std::make_unique<MpiBootstrap>(MPI_COMM_WORLD);
}

std::string mpiLibraryVersion() {
  char text[MPI_MAX_LIBRARY_VERSION_STRING];
  int len = 0;
  MPI_Get_library_version(text, &len);
  std::string s(text, static_cast<std::size_t>(len));
  const auto eol = s.find_first_of("\n,");
  return eol == std::string::npos ? s : s.substr(0, eol);
}

bool mpiBuiltIn() { return true; }

}  // namespace collbench
