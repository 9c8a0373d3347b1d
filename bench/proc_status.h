// A process's memory and threads from /proc/PID/status, for the benchmarks that measure the
// server they drive (bench/watch, bench/agents).
#pragma once

#include <fstream>
#include <string>

namespace flotilla::bench {

struct ProcStatus {
  double rss_mib = 0;  // VmRSS
  double hwm_mib = 0;  // VmHWM: the peak RSS
  int threads = 0;
};

inline ProcStatus ReadProcStatus(int pid) {
  ProcStatus s;
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) s.rss_mib = std::stod(line.substr(6)) / 1024;
    if (line.rfind("VmHWM:", 0) == 0) s.hwm_mib = std::stod(line.substr(6)) / 1024;
    if (line.rfind("Threads:", 0) == 0) s.threads = std::stoi(line.substr(8));
  }
  return s;
}

}  // namespace flotilla::bench
